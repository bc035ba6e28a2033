// The signals the tests send are the host's own (one kill(2) binding for the demo and the tests).
global using UnixSignal = Coordinators.Host.UnixSignal;
global using UnixSignals = Coordinators.Host.UnixSignals;
