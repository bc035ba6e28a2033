using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coordinators.Actors.Kernel;

/// <summary>Settings of an <see cref="ActorSystem"/>.</summary>
public sealed class ActorSystemOptions
{
    /// <summary>The clock for timers, Ask timeouts and restart windows; tests pass a manual one. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the kernel and the actors log. Defaults to no logging.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>
    /// How many messages an actor handles in one mailbox run before giving its thread to other actors.
    /// Higher favours throughput, lower favours fairness. Defaults to 1000: each re-queue of a busy mailbox may
    /// move it to another pool thread and a cold cache, which on two cores cost fan-in half its rate at 100.
    /// </summary>
    public int Throughput { get; init; } = 1000;
}
