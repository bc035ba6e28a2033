namespace Coordinators.Actors.Kernel;

/// <summary>
/// The recipe for an actor: how to make a fresh instance (at start and at each restart) and, optionally,
/// how the actor supervises its own children. Props are immutable and may be reused for many actors.
/// </summary>
public sealed class Props
{
    private Props(Func<Actor> factory, SupervisorStrategy? supervisorStrategy)
    {
        Factory = factory;
        SupervisorStrategy = supervisorStrategy;
    }

    /// <summary>Makes a new instance; called once at start and once per restart.</summary>
    internal Func<Actor> Factory { get; }

    /// <summary>The strategy the actor applies to its children, or null to use <see cref="Actor.SupervisorStrategy"/>.</summary>
    public SupervisorStrategy? SupervisorStrategy { get; }

    /// <summary>Props for an actor type with a parameterless constructor.</summary>
    public static Props Create<TActor>()
        where TActor : Actor, new() => new(static () => new TActor(), null);

    /// <summary>
    /// Props from a factory, typically a lambda closing over the actor's dependencies:
    /// <c>Props.Create(() => new SessionActor(etcd, options))</c>. The factory must return a new instance each call.
    /// </summary>
    public static Props Create<TActor>(Func<TActor> factory)
        where TActor : Actor
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(factory, null);
    }

    /// <summary>Returns a copy whose actor supervises its children with <paramref name="strategy"/>.</summary>
    public Props WithSupervisorStrategy(SupervisorStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return new Props(Factory, strategy);
    }
}
