using Coordinators.Actors.Components.Proto;
using Coordinators.Actors.Model;
using Grpc.Core;

namespace Coordinators.Actors.Connections.Nodes;

/// <summary>
/// The proxy's coordinators.RootCoord: each call goes to rootcoord's primary through the ConnectionManager, waiting for
/// one during a failover, under the incoming call's deadline and cancellation.
/// </summary>
internal sealed class RootCoordForwarder(ConnectionManager connections) : RootCoord.RootCoordBase
{
    public override Task<AllocTimestampResponse> AllocTimestamp(AllocTimestampRequest request, ServerCallContext context) =>
        connections.CallPrimaryAsync(Roles.RootCoord, (i, o) => new RootCoord.RootCoordClient(i).AllocTimestampAsync(request, o), DutyForwarding.Options(context));

    public override Task<AllocIDResponse> AllocID(AllocIDRequest request, ServerCallContext context) =>
        connections.CallPrimaryAsync(Roles.RootCoord, (i, o) => new RootCoord.RootCoordClient(i).AllocIDAsync(request, o), DutyForwarding.Options(context));
}

/// <summary>The proxy's coordinators.DataCoord, forwarded to datacoord's primary as <see cref="RootCoordForwarder"/>.</summary>
internal sealed class DataCoordForwarder(ConnectionManager connections) : DataCoord.DataCoordBase
{
    public override Task<SegmentResponse> CreateSegment(CreateSegmentRequest request, ServerCallContext context) =>
        connections.CallPrimaryAsync(Roles.DataCoord, (i, o) => new DataCoord.DataCoordClient(i).CreateSegmentAsync(request, o), DutyForwarding.Options(context));

    public override Task<SegmentResponse> UpdateSegmentState(UpdateSegmentStateRequest request, ServerCallContext context) =>
        connections.CallPrimaryAsync(Roles.DataCoord, (i, o) => new DataCoord.DataCoordClient(i).UpdateSegmentStateAsync(request, o), DutyForwarding.Options(context));

    public override Task<ListSegmentsResponse> ListSegments(ListSegmentsRequest request, ServerCallContext context) =>
        connections.CallPrimaryAsync(Roles.DataCoord, (i, o) => new DataCoord.DataCoordClient(i).ListSegmentsAsync(request, o), DutyForwarding.Options(context));
}

internal static class DutyForwarding
{
    public static CallOptions Options(ServerCallContext context) =>
        new(deadline: context.Deadline == DateTime.MaxValue ? null : context.Deadline, cancellationToken: context.CancellationToken);
}
