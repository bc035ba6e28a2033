using System.CommandLine;
using Coordinators.Actors.Config;
using Coordinators.Actors.Config.Hocon;

namespace Coordinators.Host.Commands;

/// <summary>
/// The switches every command that loads configuration shares: <c>--config FILE</c> and shortcuts
/// that override single keys (<c>--etcd</c>, <c>--root</c>, <c>--session-ttl</c>, <c>--listen</c>).
/// A command creates one instance, calls <see cref="AddTo"/>, and in its action calls <see cref="TryLoad"/>.
/// </summary>
internal sealed class ConfigurationSwitches
{
    public Option<string?> Config { get; } = new("--config", "-c")
    {
        Description = "HOCON configuration file (see hocon/reference.conf for every key)",
        HelpName = "FILE",
    };

    public Option<string?> Etcd { get; } = new("--etcd")
    {
        Description = "etcd endpoints, comma-separated; overrides coordinators.etcd.endpoints",
        HelpName = "URL[,URL...]",
    };

    public Option<string?> Root { get; } = new("--root")
    {
        Description = "etcd key prefix; overrides coordinators.root",
        HelpName = "PREFIX",
    };

    public Option<string?> SessionTtl { get; } = new("--session-ttl")
    {
        Description = "session lease TTL such as 10s; overrides coordinators.session.ttl",
        HelpName = "DURATION",
    };

    public Option<string?> Listen { get; } = new("--listen")
    {
        Description = "gRPC listen address; overrides coordinators.listen",
        HelpName = "HOST:PORT",
    };

    public Option<string?> Http { get; } = new("--http")
    {
        Description = "serve /healthz and /readyz over HTTP on HOST:PORT; overrides coordinators.http.listen",
        HelpName = "HOST:PORT",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Config);
        command.Options.Add(Etcd);
        command.Options.Add(Root);
        command.Options.Add(SessionTtl);
        command.Options.Add(Listen);
        command.Options.Add(Http);
    }

    /// <summary>The configuration keys the given switches set; they override the file and the environment.</summary>
    public Dictionary<string, string?> Overrides(ParseResult result)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        void Set(Option<string?> option, string key)
        {
            if (result.GetValue(option) is { } value)
            {
                overrides[key] = value;
            }
        }

        // One comma-separated value: the reader prefers it to a list from the file, so it replaces the whole list.
        Set(Etcd, "coordinators:etcd:endpoints");
        Set(Root, "coordinators:root");
        Set(SessionTtl, "coordinators:session:ttl");
        Set(Listen, "coordinators:listen");
        Set(Http, "coordinators:http:listen");
        return overrides;
    }

    /// <summary>
    /// Loads and validates the configuration; on failure writes the error (naming file:line:column or
    /// the bad key and where it came from) to the command's error writer and returns false.
    /// </summary>
    public bool TryLoad(ParseResult result, out CoordinatorsConfiguration configuration)
    {
        var error = result.InvocationConfiguration.Error;
        try
        {
            configuration = CoordinatorsConfiguration.Load(result.GetValue(Config), Overrides(result));
            return true;
        }
        catch (HoconException e)
        {
            error.WriteLine($"coordinators: configuration error: {e.Message}");
        }
        catch (CoordinatorsConfigurationException e)
        {
            error.WriteLine($"coordinators: {e.Message}");
        }

        configuration = null!;
        return false;
    }
}
