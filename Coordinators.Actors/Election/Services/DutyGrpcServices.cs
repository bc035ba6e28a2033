using Coordinators.Actors.Components;
using Coordinators.Actors.Components.Proto;
using Grpc.Core;

namespace Coordinators.Actors.Election.Services;

/// <summary>
/// coordinators.RootCoord served by a rootcoord process. The ComponentInterceptor has admitted the call (ServerID,
/// Healthy, lease guard); the service checks its term and the guard again before handing anything out.
/// </summary>
internal sealed class RootCoordGrpcService(RootCoordService service, ComponentHost host) : RootCoord.RootCoordBase
{
    public override async Task<AllocTimestampResponse> AllocTimestamp(AllocTimestampRequest request, ServerCallContext context)
    {
        var count = (int)Math.Max(1, request.Count);
        var (first, term) = await service.AllocTimestampAsync(count, context.CancellationToken).ConfigureAwait(false);
        return new AllocTimestampResponse { Timestamp = first, Count = (uint)count, ServerId = host.ServerId, Term = term };
    }

    public override async Task<AllocIDResponse> AllocID(AllocIDRequest request, ServerCallContext context)
    {
        var count = (int)Math.Max(1, request.Count);
        var (first, term) = await service.AllocIdAsync(count, context.CancellationToken).ConfigureAwait(false);
        return new AllocIDResponse { First = first, Count = (uint)count, ServerId = host.ServerId, Term = term };
    }
}

/// <summary>coordinators.DataCoord served by a datacoord process (admitted as <see cref="RootCoordGrpcService"/>).</summary>
internal sealed class DataCoordGrpcService(DataCoordService service, ComponentHost host) : DataCoord.DataCoordBase
{
    public override async Task<SegmentResponse> CreateSegment(CreateSegmentRequest request, ServerCallContext context)
    {
        var (segment, term) = await service.CreateSegmentAsync(request.CollectionId, request.RowCount, request.Token, context.CancellationToken).ConfigureAwait(false);
        return new SegmentResponse { Segment = segment, ServerId = host.ServerId, Term = term };
    }

    public override async Task<SegmentResponse> UpdateSegmentState(UpdateSegmentStateRequest request, ServerCallContext context)
    {
        var (segment, term) = await service.UpdateSegmentStateAsync(request.Id, request.State, request.RowCount, context.CancellationToken).ConfigureAwait(false);
        return new SegmentResponse { Segment = segment, ServerId = host.ServerId, Term = term };
    }

    public override Task<ListSegmentsResponse> ListSegments(ListSegmentsRequest request, ServerCallContext context)
    {
        var (segments, term) = service.ListSegments(request.CollectionId);
        var response = new ListSegmentsResponse { ServerId = host.ServerId, Term = term };
        response.Segments.AddRange(segments);
        return Task.FromResult(response);
    }
}
