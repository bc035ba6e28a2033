using System.Globalization;
using Coordinators.Actors.Etcd;

namespace Coordinators.Tests.Fixtures;

/// <summary>Compaction on a real etcd, for the tests of watches that must survive it.</summary>
internal static class EtcdCompaction
{
    /// <summary>
    /// Moves etcd past every revision so far (three puts of <paramref name="key"/>) and compacts at the last one: a
    /// watch that starts or resumes from any earlier revision is refused ("compacted"). Returns that revision.
    /// </summary>
    public static async Task<long> MovePastAndCompactAsync(EtcdClient client, string key)
    {
        for (var i = 0; i < 3; i++)
        {
            await client.PutAsync(key, i.ToString(CultureInfo.InvariantCulture));
        }
        var at = (await client.GetAsync(key)).Header.Revision;
        await client.CompactAsync(at);
        return at;
    }
}
