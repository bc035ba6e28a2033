using System.Text;

namespace Coordinators.Actors.Config.Hocon;

/// <summary>
/// Replaces every substitution of a parsed document by its value, once the whole document (with
/// its includes) is known. Paths are looked up from the root; a missing path falls back to the
/// environment variable of the same name; an undefined <c>${?x}</c> leaves the field unset (or its
/// earlier value), drops an array element, and adds nothing to a concatenation.
/// </summary>
internal sealed class HoconResolver
{
    private readonly HoconObject _root;
    private readonly Func<string, string?> _environment;
    // Values being resolved; meeting one again means a substitution refers back to itself.
    private readonly HashSet<HoconValue> _inProgress = new(ReferenceEqualityComparer.Instance);

    private HoconResolver(HoconObject root, Func<string, string?> environment)
    {
        _root = root;
        _environment = environment;
    }

    public static void Resolve(HoconObject root, Func<string, string?> environment) =>
        new HoconResolver(root, environment).ResolveObject(root);

    private void ResolveObject(HoconObject obj)
    {
        foreach (var key in obj.Fields.Keys.ToList())
        {
            if (!obj.Fields.TryGetValue(key, out var value))
            {
                continue;
            }

            var resolved = ResolveValue(value);
            if (resolved is null)
            {
                obj.Fields.Remove(key);
            }
            else
            {
                obj.Fields[key] = resolved;
            }
        }
    }

    /// <summary>Returns the resolved value, or null when an optional substitution left it undefined.</summary>
    private HoconValue? ResolveValue(HoconValue value)
    {
        switch (value)
        {
            case HoconObject obj:
                ResolveObject(obj);
                return obj;
            case HoconArray array:
                for (var i = array.Items.Count - 1; i >= 0; i--)
                {
                    var item = ResolveValue(array.Items[i]);
                    if (item is null)
                    {
                        array.Items.RemoveAt(i);
                    }
                    else
                    {
                        array.Items[i] = item;
                    }
                }

                return array;
            case HoconUnresolved unresolved:
                return ResolveUnresolved(unresolved);
            default:
                return value;
        }
    }

    private HoconValue? ResolveUnresolved(HoconUnresolved value)
    {
        if (!_inProgress.Add(value))
        {
            throw new HoconException(value.Position, "substitution cycle: this value refers to itself through its substitutions (self-referential substitutions are not supported)");
        }

        try
        {
            if (value.Parts is [HoconSubstitution only])
            {
                var target = Lookup(only);
                return target switch
                {
                    null => value.Previous is null ? null : ResolveValue(value.Previous),
                    // A copied scalar reports the field that copied it as its origin.
                    HoconScalar scalar => new HoconScalar(value.Position, scalar.Text),
                    _ => target,
                };
            }

            var text = new StringBuilder();
            var defined = false;
            foreach (var part in value.Parts)
            {
                if (part is HoconScalar literal)
                {
                    text.Append(literal.Text);
                    defined |= !string.IsNullOrWhiteSpace(literal.Text);
                    continue;
                }

                var substitution = (HoconSubstitution)part;
                switch (Lookup(substitution))
                {
                    case null:
                        break;
                    case HoconScalar scalar:
                        text.Append(scalar.Text);
                        defined = true;
                        break;
                    case var other:
                        var what = other is HoconObject ? "an object" : "an array";
                        throw new HoconException(substitution.Position, $"{substitution} is {what} and cannot be joined with a string: object and array concatenation is not supported");
                }
            }

            return defined
                ? new HoconScalar(value.Position, text.ToString())
                : value.Previous is null ? null : ResolveValue(value.Previous);
        }
        finally
        {
            _inProgress.Remove(value);
        }
    }

    /// <summary>Finds the resolved value of a substitution, or null when an optional one is undefined.</summary>
    private HoconValue? Lookup(HoconSubstitution substitution)
    {
        HoconValue? node = _root;
        foreach (var element in substitution.Path)
        {
            if (node is not HoconObject obj || !obj.Fields.TryGetValue(element, out var child))
            {
                node = null;
                break;
            }

            if (child is HoconUnresolved unresolved)
            {
                if (_inProgress.Contains(unresolved))
                {
                    throw new HoconException(substitution.Position, $"{substitution} refers to itself, directly or through other substitutions (self-referential substitutions are not supported)");
                }

                child = ResolveUnresolved(unresolved);
                if (child is null)
                {
                    obj.Fields.Remove(element);
                }
                else
                {
                    obj.Fields[element] = child;
                }
            }

            node = child;
        }

        if (node is not null)
        {
            return ResolveValue(node);
        }

        var name = string.Join('.', substitution.Path);
        if (_environment(name) is { } env)
        {
            return new HoconScalar(substitution.Position, env);
        }

        if (substitution.Optional)
        {
            return null;
        }

        throw new HoconException(substitution.Position, $"{substitution} is not defined: expected a key '{name}' in the configuration or an environment variable '{name}' (write ${{?{name}}} if it may be absent)");
    }
}
