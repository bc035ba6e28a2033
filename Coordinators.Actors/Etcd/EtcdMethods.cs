using Coordinators.Actors.Etcd.Etcdserverpb;
using Coordinators.Actors.Grpc;

namespace Coordinators.Actors.Etcd;

/// <summary>gRPC method descriptors of the etcd v3 API subset we call.</summary>
public static class EtcdMethods
{
    public static readonly Method<RangeRequest, RangeResponse> Range = new("etcdserverpb.KV", "Range", MethodType.Unary, RangeRequest.Parser, RangeResponse.Parser);
    public static readonly Method<PutRequest, PutResponse> Put = new("etcdserverpb.KV", "Put", MethodType.Unary, PutRequest.Parser, PutResponse.Parser);
    public static readonly Method<DeleteRangeRequest, DeleteRangeResponse> DeleteRange = new("etcdserverpb.KV", "DeleteRange", MethodType.Unary, DeleteRangeRequest.Parser, DeleteRangeResponse.Parser);
    public static readonly Method<TxnRequest, TxnResponse> Txn = new("etcdserverpb.KV", "Txn", MethodType.Unary, TxnRequest.Parser, TxnResponse.Parser);
    public static readonly Method<CompactionRequest, CompactionResponse> Compact = new("etcdserverpb.KV", "Compact", MethodType.Unary, CompactionRequest.Parser, CompactionResponse.Parser);
    public static readonly Method<WatchRequest, WatchResponse> Watch = new("etcdserverpb.Watch", "Watch", MethodType.DuplexStreaming, WatchRequest.Parser, WatchResponse.Parser);
    public static readonly Method<LeaseGrantRequest, LeaseGrantResponse> LeaseGrant = new("etcdserverpb.Lease", "LeaseGrant", MethodType.Unary, LeaseGrantRequest.Parser, LeaseGrantResponse.Parser);
    public static readonly Method<LeaseRevokeRequest, LeaseRevokeResponse> LeaseRevoke = new("etcdserverpb.Lease", "LeaseRevoke", MethodType.Unary, LeaseRevokeRequest.Parser, LeaseRevokeResponse.Parser);
    public static readonly Method<LeaseKeepAliveRequest, LeaseKeepAliveResponse> LeaseKeepAlive = new("etcdserverpb.Lease", "LeaseKeepAlive", MethodType.DuplexStreaming, LeaseKeepAliveRequest.Parser, LeaseKeepAliveResponse.Parser);
    public static readonly Method<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse> LeaseTimeToLive = new("etcdserverpb.Lease", "LeaseTimeToLive", MethodType.Unary, LeaseTimeToLiveRequest.Parser, LeaseTimeToLiveResponse.Parser);
    public static readonly Method<LeaseLeasesRequest, LeaseLeasesResponse> LeaseLeases = new("etcdserverpb.Lease", "LeaseLeases", MethodType.Unary, LeaseLeasesRequest.Parser, LeaseLeasesResponse.Parser);
    public static readonly Method<MemberListRequest, MemberListResponse> MemberList = new("etcdserverpb.Cluster", "MemberList", MethodType.Unary, MemberListRequest.Parser, MemberListResponse.Parser);
    public static readonly Method<StatusRequest, StatusResponse> Status = new("etcdserverpb.Maintenance", "Status", MethodType.Unary, StatusRequest.Parser, StatusResponse.Parser);
    public static readonly Method<SnapshotRequest, SnapshotResponse> Snapshot = new("etcdserverpb.Maintenance", "Snapshot", MethodType.ServerStreaming, SnapshotRequest.Parser, SnapshotResponse.Parser);
    public static readonly Method<AuthenticateRequest, AuthenticateResponse> Authenticate = new("etcdserverpb.Auth", "Authenticate", MethodType.Unary, AuthenticateRequest.Parser, AuthenticateResponse.Parser);
}
