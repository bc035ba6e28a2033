namespace Coordinators.Simulation;

/// <summary>The fault injector and the quiet period after it.</summary>
internal sealed partial class SimWorld
{
    private void StartIn(int slot)
    {
        if (!_injecting && _slots[slot] is { Alive: true })
        {
            return;
        }
        if (_slots[slot] is { Alive: true })
        {
            // Still stopping (a clean stop waits for its resign): try again shortly.
            Loop.After(TimeSpan.FromMilliseconds(100), () => StartIn(slot));
            return;
        }
        var drift = (long)((Loop.Random.NextDouble() * 2 - 1) * Options.DriftPpmBound);
        _slots[slot] = new SimProcess(this, _nextId++, slot, _simulator.SlotParts(slot), drift);
    }

    private SimProcess? Primary() => _slots.FirstOrDefault(p => p is { BelievesPrimary: true, Paused: false });

    private SimProcess? AnyRunning()
    {
        var running = _slots.Where(p => p is { Alive: true, Paused: false }).ToList();
        return running.Count == 0 ? null : running[Loop.Random.Next(running.Count)];
    }

    private void InjectFault()
    {
        if (!_injecting)
        {
            return;
        }
        var roll = Loop.Random.NextDouble();
        var target = roll < 0.75 ? Primary() ?? AnyRunning() : AnyRunning();
        if (target is not null)
        {
            if (roll < 0.25)
            {
                target.Crash();
                RestartLater(target.Slot, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3));
            }
            else if (roll < 0.45)
            {
                Pause(target, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(4));
            }
            else if (roll < 0.65)
            {
                target.Stop();
                RestartLater(target.Slot, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));
            }
            else if (roll < 0.75 && Etcd.Available)
            {
                Etcd.GoDown();
                Loop.After(Loop.Between(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(3)), () =>
                {
                    if (!Etcd.Available)
                    {
                        Etcd.ComeBack();
                    }
                });
            }
            else if (roll < 0.9)
            {
                Pause(target, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(1500));
            }
            else
            {
                target.Crash();
                RestartLater(target.Slot, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3));
            }
        }
        Loop.After(Loop.Between(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2)), InjectFault);
    }

    private void Pause(SimProcess target, TimeSpan min, TimeSpan max)
    {
        target.Pause();
        Loop.After(Loop.Between(min, max), () =>
        {
            if (target.Alive && target.Paused)
            {
                target.Resume();
            }
        });
    }

    private void RestartLater(int slot, TimeSpan min, TimeSpan max) =>
        Loop.After(Loop.Between(min, max), () =>
        {
            if (_injecting)
            {
                StartIn(slot);
            }
        });

    /// <summary>
    /// Faults stop: paused processes resume, etcd answers, empty slots get a new process, the network is clean. One
    /// primary must then serve, as etcd's leader, within the TTL plus the liveness bound; returns how long it took.
    /// </summary>
    private TimeSpan Quiet()
    {
        _injecting = false;
        Net.FaultsOn = false;
        Loop.Trace("faults stop");
        if (!Etcd.Available)
        {
            Etcd.ComeBack();
        }
        for (var slot = 0; slot < _slots.Length; slot++)
        {
            if (_slots[slot] is { Alive: true, Paused: true } paused)
            {
                paused.Resume();
            }
            else if (_slots[slot] is not { Alive: true })
            {
                StartIn(slot);
            }
        }
        var start = Loop.Now;
        var deadline = start + Options.Session.Ttl.Ticks + Options.LivenessBound.Ticks;
        while (_violation is null && Loop.Now <= deadline)
        {
            Step();
            var primary = _slots.Where(p => p is { BelievesPrimary: true } && p.Guard.IsValid).ToList();
            if (primary.Count == 1 && primary[0]!.Term == Etcd.Leader().Term)
            {
                var took = TimeSpan.FromTicks(Loop.Now - start);
                Loop.Trace($"p{primary[0]!.Id} serves term {primary[0]!.Term} {took.TotalMilliseconds:0} ms after faults stopped");
                return took;
            }
        }
        Violate($"no primary within {TimeSpan.FromTicks(deadline - start).TotalSeconds:0.#} s (TTL + {Options.LivenessBound.TotalSeconds:0.#} s) after faults stopped");
        return TimeSpan.FromTicks(Loop.Now - start);
    }
}
