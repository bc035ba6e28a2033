namespace Coordinators.Actors.Config.Hocon;

/// <summary>HOCON's field assignment rules: objects merge key by key, anything else replaces.</summary>
internal static class HoconMerge
{
    /// <summary>Sets the field at a dotted path, creating (or replacing non-object) intermediate objects.</summary>
    public static void Assign(HoconObject target, List<string> path, HoconValue value)
    {
        var obj = target;
        foreach (var element in path.Take(path.Count - 1))
        {
            if (obj.Fields.TryGetValue(element, out var existing) && existing is HoconObject child)
            {
                obj = child;
                continue;
            }

            if (existing is HoconUnresolved)
            {
                throw new HoconException(value.Position, $"cannot set a field inside '{element}', which is a substitution set at {existing.Position}: merging into substitutions is not supported");
            }

            child = new HoconObject(value.Position);
            obj.Fields[element] = child;
            obj = child;
        }

        Merge(obj, path[^1], value);
    }

    /// <summary>Sets a field with HOCON's rule: an object onto an object merges (later wins per key), anything else replaces.</summary>
    public static void Merge(HoconObject obj, string key, HoconValue value)
    {
        if (obj.Fields.TryGetValue(key, out var existing))
        {
            if (existing is HoconObject existingObject && value is HoconObject valueObject)
            {
                foreach (var (k, v) in valueObject.Fields)
                {
                    Merge(existingObject, k, v);
                }

                return;
            }

            if (existing is HoconUnresolved && value is HoconObject)
            {
                throw new HoconException(value.Position, $"cannot merge an object into '{key}', which is a substitution set at {existing.Position}: object concatenation with substitutions is not supported");
            }

            if (value is HoconUnresolved unresolved)
            {
                unresolved.Previous = existing;
            }
        }

        obj.Fields[key] = value;
    }
}
