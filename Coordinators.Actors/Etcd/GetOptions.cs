using Etcdserverpb;
using Google.Protobuf;

namespace Coordinators.Actors.Etcd;

/// <summary>Options of a Range (clientv3's OpOption for Get).</summary>
public sealed record GetOptions
{
    /// <summary>Every key starting with the given key.</summary>
    public bool Prefix { get; init; }

    /// <summary>Explicit end of the range [key, RangeEnd); "\0" means every key from key on.</summary>
    public ByteString? RangeEnd { get; init; }

    /// <summary>Most keys returned; 0 = no limit.</summary>
    public long Limit { get; init; }

    /// <summary>Read at this revision; 0 = latest.</summary>
    public long Revision { get; init; }

    /// <summary>Sort order.</summary>
    public RangeRequest.Types.SortOrder SortOrder { get; init; }

    /// <summary>Sort field.</summary>
    public RangeRequest.Types.SortTarget SortTarget { get; init; }

    /// <summary>Answer from the member's local state without a quorum read.</summary>
    public bool Serializable { get; init; }

    /// <summary>Return keys without values.</summary>
    public bool KeysOnly { get; init; }

    /// <summary>Return only the count.</summary>
    public bool CountOnly { get; init; }

    /// <summary>Filters on mod revision (0 = none).</summary>
    public long MinModRevision { get; init; }

    /// <summary>Filters on mod revision (0 = none).</summary>
    public long MaxModRevision { get; init; }

    /// <summary>Filters on create revision (0 = none).</summary>
    public long MinCreateRevision { get; init; }

    /// <summary>Filters on create revision (0 = none).</summary>
    public long MaxCreateRevision { get; init; }

    internal RangeRequest ToRequest(ByteString key) => new()
    {
        Key = key,
        RangeEnd = RangeEnd ?? (Prefix ? EtcdKeys.PrefixEnd(key) : ByteString.Empty),
        Limit = Limit,
        Revision = Revision,
        SortOrder = SortOrder,
        SortTarget = SortTarget,
        Serializable = Serializable,
        KeysOnly = KeysOnly,
        CountOnly = CountOnly,
        MinModRevision = MinModRevision,
        MaxModRevision = MaxModRevision,
        MinCreateRevision = MinCreateRevision,
        MaxCreateRevision = MaxCreateRevision,
    };
}

/// <summary>Options of a Put.</summary>
public sealed record PutOptions
{
    /// <summary>Return the previous key-value.</summary>
    public bool PrevKv { get; init; }

    /// <summary>Keep the current value (update the lease only); the value given must be empty.</summary>
    public bool IgnoreValue { get; init; }

    /// <summary>Keep the current lease; the lease given must be 0.</summary>
    public bool IgnoreLease { get; init; }
}

/// <summary>Options of a DeleteRange.</summary>
public sealed record DeleteOptions
{
    /// <summary>Every key starting with the given key.</summary>
    public bool Prefix { get; init; }

    /// <summary>Explicit end of the range [key, RangeEnd).</summary>
    public ByteString? RangeEnd { get; init; }

    /// <summary>Return the deleted key-values.</summary>
    public bool PrevKv { get; init; }

    internal DeleteRangeRequest ToRequest(ByteString key) => new()
    {
        Key = key,
        RangeEnd = RangeEnd ?? (Prefix ? EtcdKeys.PrefixEnd(key) : ByteString.Empty),
        PrevKv = PrevKv,
    };
}

/// <summary>Options of a Watch.</summary>
public sealed record WatchOptions
{
    /// <summary>Every key starting with the given key.</summary>
    public bool Prefix { get; init; }

    /// <summary>Explicit end of the range [key, RangeEnd).</summary>
    public ByteString? RangeEnd { get; init; }

    /// <summary>First revision to deliver; 0 = changes after the watch is created.</summary>
    public long StartRevision { get; init; }

    /// <summary>Events carry the previous key-value.</summary>
    public bool PrevKv { get; init; }

    /// <summary>Drop PUT events.</summary>
    public bool NoPut { get; init; }

    /// <summary>Drop DELETE events.</summary>
    public bool NoDelete { get; init; }

    /// <summary>Ask etcd for periodic empty progress responses (they are delivered too).</summary>
    public bool ProgressNotify { get; init; }
}
