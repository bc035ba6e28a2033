using Coordinators.Actors.Grpc;
using Coordinators.Actors.Grpc.Health;
using Coordinators.Actors.Grpc.Server;
using Coordinators.Tests.Grpc.Interop;

namespace Coordinators.Tests.Grpc;

/// <summary>Our gRPC server on a free loopback port, serving the interop test service and health.</summary>
internal sealed class InteropServer : IAsyncDisposable
{
    /// <summary>The ServerID the interceptor accepts in x-server-id, like the later "node not match" check.</summary>
    public const string ServerId = "1";

    private InteropServer(GrpcServer server, HealthServiceImpl health)
    {
        Server = server;
        Health = health;
    }

    public GrpcServer Server { get; }

    public HealthServiceImpl Health { get; }

    /// <summary>Completed when the Slow handler saw its cancellation token fire.</summary>
    public TaskCompletionSource SlowCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The request headers the last Echo call saw.</summary>
    public Metadata? LastEchoHeaders { get; private set; }

    /// <summary>The deadline the last Slow call saw.</summary>
    public DateTime LastSlowDeadline { get; private set; }

    public string Address => Server.Address;

    public static async Task<InteropServer> StartAsync(Action<GrpcServerBuilder>? configure = null)
    {
        var health = new HealthServiceImpl();
        InteropServer? self = null;
        var builder = GrpcServer.CreateBuilder()
            .ListenOn("127.0.0.1", 0)
            .AddInterceptor(context =>
            {
                var id = context.RequestHeaders.GetValue("x-server-id");
                if (id is not null && id != ServerId)
                {
                    throw new RpcException(StatusCode.PermissionDenied, $"node not match: expected ServerID {ServerId}, got {id}");
                }
                return ValueTask.CompletedTask;
            })
            .MapGrpcUnary(InteropMethods.Echo, (request, context) =>
            {
                self!.LastEchoHeaders = context.RequestHeaders;
                if (context.RequestHeaders.GetValue("x-request-id") is { } requestId)
                {
                    context.ResponseTrailers.Add("x-echo-request-id", requestId);
                }
                return Task.FromResult(new EchoReply { Text = request.Text });
            })
            .MapGrpcServerStreaming(InteropMethods.Count, async (request, responses, context) =>
            {
                await context.WriteResponseHeadersAsync(new Metadata { { "x-count", request.N.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
                for (var i = 1; i <= request.N; i++)
                {
                    await responses.WriteAsync(new CountReply { Value = i });
                }
            })
            .MapGrpcDuplex(InteropMethods.Chat, async (requests, responses, context) =>
            {
                await foreach (var request in requests)
                {
                    await responses.WriteAsync(new EchoReply { Text = "echo: " + request.Text });
                }
            })
            .MapGrpcUnary(InteropMethods.Fail, (request, context) =>
                throw new RpcException((StatusCode)request.Code, request.Message))
            .MapGrpcUnary(InteropMethods.Slow, async (request, context) =>
            {
                self!.LastSlowDeadline = context.Deadline;
                try
                {
                    await Task.Delay(request.DelayMs, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    self.SlowCancelled.TrySetResult();
                    throw;
                }
                return new EchoReply { Text = "slow" };
            })
            .MapGrpcUnary(InteropMethods.Boom, (request, context) =>
                throw new InvalidOperationException("secret internal detail"))
            .MapGrpcHealthService(health);
        configure?.Invoke(builder);
        var server = builder.Build();
        self = new InteropServer(server, health);
        await server.StartAsync();
        return self;
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
