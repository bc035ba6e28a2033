using Coordinators.Actors.Kernel;

namespace Coordinators.Tests.Kernel;

internal sealed record Get;

internal sealed record Boom(string Reason);

/// <summary>Replies to every message with the same message.</summary>
internal sealed class EchoActor : Actor
{
    public EchoActor() => ReceiveAny(m => Sender.Tell(m, Self));
}

/// <summary>Counts ints (its state), answers <see cref="Get"/> with the count, throws on <see cref="Boom"/>.</summary>
internal sealed class CounterActor : Actor
{
    private int _count;

    public CounterActor()
    {
        Receive<int>(n => _count += n);
        Receive<Get>(_ => Sender.Tell(_count, Self));
        Receive<Boom>(b => throw new InvalidOperationException(b.Reason));
    }
}

/// <summary>Reports its lifecycle hooks to a probe.</summary>
internal sealed class LifecycleActor : Actor
{
    private readonly IActorRef _probe;
    private readonly string _tag;

    public LifecycleActor(IActorRef probe, string tag)
    {
        _probe = probe;
        _tag = tag;
        Receive<Boom>(b => throw new InvalidOperationException(b.Reason));
        Receive<Props>(p => Sender.Tell(Context.ActorOf(p, "child"), Self));
        ReceiveAny(m => _probe.Tell(m, Self));
    }

    protected override void PreStart() => _probe.Tell(_tag + ":PreStart");

    protected override void PostStop() => _probe.Tell(_tag + ":PostStop");

    protected override void PreRestart(Exception reason, object? message)
    {
        _probe.Tell(_tag + ":PreRestart:" + reason.Message);
        base.PreRestart(reason, message);
    }

    protected override void PostRestart(Exception reason)
    {
        _probe.Tell(_tag + ":PostRestart");
        base.PostRestart(reason);
    }
}

/// <summary>Runs the given configuration in its constructor: lets a test define a small actor inline.</summary>
internal sealed class InlineActor : Actor
{
    public InlineActor(Action<InlineActor> configure) => configure(this);

    public IActorContext Ctx => Context;

    public ITimerScheduler TimerScheduler => Timers;

    public void On<T>(Action<T> handler) => Receive(handler);

    public void On<T>(Predicate<T> predicate, Action<T> handler) => Receive(predicate, handler);

    public void OnAsync<T>(Func<T, Task> handler) => ReceiveAsync(handler);

    public void OnAny(Action<object> handler) => ReceiveAny(handler);

    public void DoBecome(Action configure) => Become(configure);

    public void DoBecomeStacked(Action configure) => BecomeStacked(configure);

    public void DoUnbecome() => Unbecome();

    public void DoStash() => Stash();

    public void DoUnstashAll() => UnstashAll();

    public IActorRef CurrentSender => Sender;
}
