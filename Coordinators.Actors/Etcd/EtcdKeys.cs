using System.Text;
using Google.Protobuf;

namespace Coordinators.Actors.Etcd;

/// <summary>Key helpers: UTF-8 conversion and the range end of a prefix.</summary>
public static class EtcdKeys
{
    private static readonly ByteString NullKey = ByteString.CopyFrom(0);

    /// <summary>The key as UTF-8 bytes.</summary>
    public static ByteString Utf8(string key) => ByteString.CopyFrom(key, Encoding.UTF8);

    /// <summary>
    /// The smallest key greater than every key with this prefix (clientv3's GetPrefixRangeEnd):
    /// the last byte below 0xff incremented, trailing 0xff bytes dropped; "\0" (all keys) when none is left.
    /// </summary>
    public static ByteString PrefixEnd(ByteString prefix)
    {
        var bytes = prefix.ToByteArray();
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] < 0xff)
            {
                bytes[i]++;
                return ByteString.CopyFrom(bytes, 0, i + 1);
            }
        }
        return NullKey;
    }
}
