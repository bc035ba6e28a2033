using Etcdserverpb;
using Google.Protobuf;
using CompareResult = Etcdserverpb.Compare.Types.CompareResult;
using CompareTarget = Etcdserverpb.Compare.Types.CompareTarget;

namespace Coordinators.Actors.Etcd;

/// <summary>
/// Txn compares, written as in clientv3: <c>Cmp.CreateRevision(key) == 0</c>, <c>Cmp.Value(key) != "x"</c>.
/// (Named Cmp because etcd's own message type is called Compare.)
/// </summary>
public static class Cmp
{
    /// <summary>The key's version (0 when absent).</summary>
    public static CmpOperand Version(string key) => new(EtcdKeys.Utf8(key), CompareTarget.Version);

    /// <summary>The key's create revision (0 when absent).</summary>
    public static CmpOperand CreateRevision(string key) => new(EtcdKeys.Utf8(key), CompareTarget.Create);

    /// <summary>The key's mod revision (0 when absent).</summary>
    public static CmpOperand ModRevision(string key) => new(EtcdKeys.Utf8(key), CompareTarget.Mod);

    /// <summary>The key's value.</summary>
    public static CmpOperand Value(string key) => new(EtcdKeys.Utf8(key), CompareTarget.Value);

    /// <summary>The key's lease id (0 when none).</summary>
    public static CmpOperand Lease(string key) => new(EtcdKeys.Utf8(key), CompareTarget.Lease);

    /// <summary>The key's version (0 when absent).</summary>
    public static CmpOperand Version(ByteString key) => new(key, CompareTarget.Version);

    /// <summary>The key's create revision (0 when absent).</summary>
    public static CmpOperand CreateRevision(ByteString key) => new(key, CompareTarget.Create);

    /// <summary>The key's mod revision (0 when absent).</summary>
    public static CmpOperand ModRevision(ByteString key) => new(key, CompareTarget.Mod);

    /// <summary>The key's value.</summary>
    public static CmpOperand Value(ByteString key) => new(key, CompareTarget.Value);

    /// <summary>The key's lease id.</summary>
    public static CmpOperand Lease(ByteString key) => new(key, CompareTarget.Lease);
}

/// <summary>The left side of a compare; an operator with a number or a value makes the etcd Compare.</summary>
public readonly struct CmpOperand : IEquatable<CmpOperand>
{
    internal CmpOperand(ByteString key, CompareTarget target)
    {
        Key = key;
        Target = target;
    }

    /// <summary>The key compared.</summary>
    public ByteString Key { get; }

    /// <summary>What of the key is compared.</summary>
    public CompareTarget Target { get; }

    /// <summary>Equal.</summary>
    public static Compare operator ==(CmpOperand a, long b) => a.Make(CompareResult.Equal, b);

    /// <summary>Not equal.</summary>
    public static Compare operator !=(CmpOperand a, long b) => a.Make(CompareResult.NotEqual, b);

    /// <summary>Greater.</summary>
    public static Compare operator >(CmpOperand a, long b) => a.Make(CompareResult.Greater, b);

    /// <summary>Less.</summary>
    public static Compare operator <(CmpOperand a, long b) => a.Make(CompareResult.Less, b);

    /// <summary>Value equal (UTF-8).</summary>
    public static Compare operator ==(CmpOperand a, string b) => a.Make(CompareResult.Equal, EtcdKeys.Utf8(b));

    /// <summary>Value not equal (UTF-8).</summary>
    public static Compare operator !=(CmpOperand a, string b) => a.Make(CompareResult.NotEqual, EtcdKeys.Utf8(b));

    /// <summary>Value equal.</summary>
    public static Compare operator ==(CmpOperand a, ByteString b) => a.Make(CompareResult.Equal, b);

    /// <summary>Value not equal.</summary>
    public static Compare operator !=(CmpOperand a, ByteString b) => a.Make(CompareResult.NotEqual, b);

    /// <summary>Greater (byte order of values).</summary>
    public static Compare operator >(CmpOperand a, string b) => a.Make(CompareResult.Greater, EtcdKeys.Utf8(b));

    /// <summary>Less (byte order of values).</summary>
    public static Compare operator <(CmpOperand a, string b) => a.Make(CompareResult.Less, EtcdKeys.Utf8(b));

    private Compare Make(CompareResult result, long number)
    {
        var c = new Compare { Key = Key, Target = Target, Result = result };
        switch (Target)
        {
            case CompareTarget.Version: c.Version = number; break;
            case CompareTarget.Create: c.CreateRevision = number; break;
            case CompareTarget.Mod: c.ModRevision = number; break;
            case CompareTarget.Lease: c.Lease = number; break;
            default: throw new InvalidOperationException("a Value compare needs a string or ByteString operand");
        }
        return c;
    }

    private Compare Make(CompareResult result, ByteString value)
    {
        if (Target != CompareTarget.Value)
        {
            throw new InvalidOperationException($"a {Target} compare needs a number operand");
        }
        return new Compare { Key = Key, Target = Target, Result = result, Value = value };
    }

    /// <inheritdoc />
    public bool Equals(CmpOperand other) => Key.Equals(other.Key) && Target == other.Target;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CmpOperand o && Equals(o);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Key, Target);
}
