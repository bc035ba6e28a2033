using System.Collections;

namespace Coordinators.Actors.Grpc;

/// <summary>
/// gRPC request/response metadata: ordered ASCII key/value pairs. Keys are lower-cased;
/// keys ending in "-bin" carry binary values (base64 on the wire).
/// </summary>
public sealed class Metadata : IEnumerable<Metadata.Entry>
{
    /// <summary>An empty, read-only instance.</summary>
    public static readonly Metadata Empty = new(readOnly: true);

    // Entries in insertion order; duplicates allowed, as HTTP/2 headers allow them.
    private readonly List<Entry> _entries = [];
    private readonly bool _readOnly;

    /// <summary>Creates an empty, writable collection.</summary>
    public Metadata() { }

    private Metadata(bool readOnly) => _readOnly = readOnly;

    /// <summary>Number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>Adds an ASCII entry.</summary>
    public void Add(string key, string value)
    {
        ThrowIfReadOnly();
        var k = NormalizeKey(key);
        if (k.EndsWith("-bin", StringComparison.Ordinal))
        {
            throw new ArgumentException($"metadata key '{key}' ends with -bin and needs a byte[] value", nameof(key));
        }
        _entries.Add(new Entry(k, value, null));
    }

    /// <summary>Adds a binary entry; the key must end in "-bin".</summary>
    public void Add(string key, byte[] value)
    {
        ThrowIfReadOnly();
        var k = NormalizeKey(key);
        if (!k.EndsWith("-bin", StringComparison.Ordinal))
        {
            throw new ArgumentException($"binary metadata key '{key}' must end with -bin", nameof(key));
        }
        _entries.Add(new Entry(k, null, value));
    }

    /// <summary>The last entry with this key, or null.</summary>
    public Entry? Get(string key)
    {
        var k = key.ToLowerInvariant();
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Key == k)
            {
                return _entries[i];
            }
        }
        return null;
    }

    /// <summary>The string value of the last entry with this key, or null.</summary>
    public string? GetValue(string key) => Get(key)?.Value;

    /// <inheritdoc />
    public IEnumerator<Entry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void ThrowIfReadOnly()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException("this metadata collection is read-only");
        }
    }

    private static string NormalizeKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        foreach (var c in key)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.';
            if (!ok)
            {
                throw new ArgumentException($"metadata key '{key}' has the invalid character '{c}'", nameof(key));
            }
        }
        return key.ToLowerInvariant();
    }

    /// <summary>One metadata entry: either <see cref="Value"/> or <see cref="ValueBytes"/> is set.</summary>
    public sealed record Entry(string Key, string? Value, byte[]? ValueBytes)
    {
        /// <summary>True when the key ends in "-bin".</summary>
        public bool IsBinary => ValueBytes is not null;
    }
}
