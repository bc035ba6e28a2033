using Coordinators.Actors.Grpc;
using Coordinators.Tests.Grpc.Interop;

namespace Coordinators.Tests.Grpc;

/// <summary>Descriptors of the test service in Protos/interop.proto (and one server-only method).</summary>
internal static class InteropMethods
{
    public const string Service = "coordinators.interop.Interop";

    public static readonly Method<EchoRequest, EchoReply> Echo = new(Service, "Echo", MethodType.Unary, EchoRequest.Parser, EchoReply.Parser);
    public static readonly Method<CountRequest, CountReply> Count = new(Service, "Count", MethodType.ServerStreaming, CountRequest.Parser, CountReply.Parser);
    public static readonly Method<EchoRequest, EchoReply> Chat = new(Service, "Chat", MethodType.DuplexStreaming, EchoRequest.Parser, EchoReply.Parser);
    public static readonly Method<FailRequest, EchoReply> Fail = new(Service, "Fail", MethodType.Unary, FailRequest.Parser, EchoReply.Parser);
    public static readonly Method<SlowRequest, EchoReply> Slow = new(Service, "Slow", MethodType.Unary, SlowRequest.Parser, EchoReply.Parser);

    /// <summary>Not in the proto: a handler that throws a plain exception, to check nothing of it leaks.</summary>
    public static readonly Method<EchoRequest, EchoReply> Boom = new(Service, "Boom", MethodType.Unary, EchoRequest.Parser, EchoReply.Parser);
}
