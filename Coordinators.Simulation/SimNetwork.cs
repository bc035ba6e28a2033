using Grpc.Core;

namespace Coordinators.Simulation;

/// <summary>Fault rates of the network between the processes and the model etcd (seeded; all 0 once faults stop).</summary>
internal sealed record FaultRates
{
    /// <summary>A request fails with Unavailable before it is applied.</summary>
    public double FailBefore { get; init; } = 0.01;

    /// <summary>A request is applied but its answer is lost (the client sees Unavailable).</summary>
    public double LostAnswer { get; init; } = 0.01;

    /// <summary>A delay (each way) is drawn from 3-100 ms instead of 0.1-3 ms.</summary>
    public double SlowPath { get; init; } = 0.08;

    /// <summary>A delay (each way) is drawn from 100-1500 ms: a stalled connection, a GC pause between check and send.</summary>
    public double StalledPath { get; init; } = 0.01;

    /// <summary>A new watch stream breaks at a random later point (the client resumes from its revision).</summary>
    public double WatchBreak { get; init; } = 0.05;

    /// <summary>A new watch is cancelled by the server at a random later point (the client fails).</summary>
    public double WatchCancel { get; init; } = 0.01;
}

/// <summary>
/// The links between the simulated processes and the model etcd: each request and each answer travels with a seeded
/// delay (so calls of different streams reorder), may fail with Unavailable before being applied or lose its answer
/// after, and fails while etcd is unreachable. Answers to a process that has crashed are never delivered.
/// </summary>
internal sealed class SimNetwork(SimLoop loop, ModelEtcd etcd)
{
    private static readonly TimeSpan Fast = TimeSpan.FromMilliseconds(0.1);

    public FaultRates Rates { get; set; } = new();

    /// <summary>While false, delays are 0.1-3 ms and nothing fails except by etcd being down.</summary>
    public bool FaultsOn { get; set; } = true;

    public long Delay()
    {
        if (FaultsOn)
        {
            var p = loop.Random.NextDouble();
            if (p < Rates.StalledPath)
            {
                return loop.Between(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1500));
            }
            if (p < Rates.StalledPath + Rates.SlowPath)
            {
                return loop.Between(TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(100));
            }
        }
        return loop.Between(Fast, TimeSpan.FromMilliseconds(3));
    }

    /// <summary>
    /// Sends a request of <paramref name="process"/> applying <paramref name="apply"/> at the model when it arrives. A dead
    /// process sends nothing (what its stopping actors still ask for never leaves): the task never completes.
    /// </summary>
    public Task<T> Call<T>(SimProcess process, string what, Func<T> apply)
    {
        var answer = new TaskCompletionSource<T>();
        if (!process.Alive)
        {
            return answer.Task;
        }
        var failBefore = FaultsOn && loop.Chance(Rates.FailBefore);
        var lost = FaultsOn && loop.Chance(Rates.LostAnswer);
        loop.After(Delay(), () =>
        {
            if (!etcd.Available || failBefore)
            {
                Answer(process, () => answer.SetException(Unavailable(what, etcd.Available ? "connection reset before the request was applied" : "etcd has no leader")));
                return;
            }
            T result;
            try
            {
                result = apply();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Answer(process, () => answer.SetException(e));
                return;
            }
            if (lost)
            {
                loop.Trace($"p{process.Id} {what}: applied, answer lost");
                Answer(process, () => answer.SetException(Unavailable(what, "connection reset after the request was applied")));
                return;
            }
            Answer(process, () => answer.SetResult(result));
        });
        return answer.Task;
    }

    /// <summary>Delivers an event of the model (a watch notification) to a live process after a delay.</summary>
    public void Deliver(SimProcess process, Action deliver) => Answer(process, deliver);

    /// <summary>A task that completes after <paramref name="delay"/> ticks if the process still lives (later if it is paused then).</summary>
    public Task<bool> Sleep(SimProcess process, long delay)
    {
        var done = new TaskCompletionSource<bool>();
        loop.After(delay, () => process.Deliver(() => done.SetResult(true)));
        return done.Task;
    }

    private void Answer(SimProcess process, Action deliver) =>
        loop.After(Delay(), () =>
        {
            if (process.Alive)
            {
                process.Deliver(deliver);
            }
        });

    private static RpcException Unavailable(string what, string why) => new(new Status(StatusCode.Unavailable, $"{what}: {why}"));
}
