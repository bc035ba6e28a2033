using Coordinators.Actors.Config.Hocon;

namespace Coordinators.Tests.Config;

public sealed class HoconParserTests
{
    private static readonly Dictionary<string, string> _noEnvironment = [];

    private static IReadOnlyDictionary<string, string?> Parse(string text, Dictionary<string, string>? env = null)
    {
        env ??= _noEnvironment;
        return HoconDocument.Parse(text, "/virtual/test.conf", name => env.TryGetValue(name, out var v) ? v : null).Values;
    }

    private static void AssertKeys(IReadOnlyDictionary<string, string?> actual, params (string Key, string? Value)[] expected)
    {
        Assert.Equal(expected.Select(e => e.Key).Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in expected)
        {
            Assert.Equal(value, actual[key]);
        }
    }

    [Fact]
    public void Parse_HashAndDoubleSlashComments_AreIgnored()
    {
        var values = Parse("# heading\na = 1 # trailing\n// another\nb = 2 // trailing\nc = \"# not a comment\"\n");
        AssertKeys(values, ("a", "1"), ("b", "2"), ("c", "# not a comment"));
    }

    [Fact]
    public void Parse_DottedKeysAndBraces_ProduceTheSameColonKeys()
    {
        var values = Parse("a.b.c = 1\nx { y { z = 2 } }\n\"q.r\".s = 3\n");
        AssertKeys(values, ("a:b:c", "1"), ("x:y:z", "2"), ("q.r:s", "3"));
    }

    [Fact]
    public void Parse_EqualsColonAndBraceSeparators_AllAssign()
    {
        var values = Parse("a = 1\nb : 2\nc { d = 3 }\ne: { f: 4 }, g = 5");
        AssertKeys(values, ("a", "1"), ("b", "2"), ("c:d", "3"), ("e:f", "4"), ("g", "5"));
    }

    [Fact]
    public void Parse_Arrays_FlattenToIndexKeys()
    {
        var values = Parse("list = [1, 2,\n  3\n  4]\nobjects = [ { n = a }, { n = b } ]\nempty = []\nnested = [[x, y]]");
        AssertKeys(values, ("list:0", "1"), ("list:1", "2"), ("list:2", "3"), ("list:3", "4"),
            ("objects:0:n", "a"), ("objects:1:n", "b"), ("nested:0:0", "x"), ("nested:0:1", "y"));
    }

    [Fact]
    public void Parse_QuotedUnquotedAndTripleQuotedStrings_KeepTheirText()
    {
        var values = Parse("q = \"tab\\there \\\"quoted\\\" \\u0041 \\\\ \\/\"\nu = some/path.conf\nt = \"\"\"raw \\n\n\"line\" two\"\"\"\n");
        AssertKeys(values, ("q", "tab\there \"quoted\" A \\ /"), ("u", "some/path.conf"), ("t", "raw \\n\n\"line\" two"));
    }

    [Fact]
    public void Parse_NumbersBooleansAndNull_KeepTextAndNullIsNull()
    {
        var values = Parse("i = 42\nf = -1.5e3\nt = true\nf2 = off\nn = null\nqn = \"null\"");
        AssertKeys(values, ("i", "42"), ("f", "-1.5e3"), ("t", "true"), ("f2", "off"), ("n", null), ("qn", "null"));
    }

    [Fact]
    public void Parse_RepeatedObjects_MergeWithLaterKeysWinning()
    {
        var values = Parse("a { x = 1, y = 2 }\na { y = 3, z = 4 }\na.z = 5\nb { c = 1 }\nb = 7\n");
        AssertKeys(values, ("a:x", "1"), ("a:y", "3"), ("a:z", "5"), ("b", "7"));
    }

    [Fact]
    public void Parse_IncludeRelativeToIncludingFile_MergesAtThatLevel()
    {
        using var files = new TempFiles();
        files.Write("conf/base/defaults.conf", "ttl = 10s\nretries = 3\n");
        files.Write("conf/base/outer.conf", "inner { include \"defaults.conf\"\n retries = 5 }\n");
        var main = files.Write("conf/main.conf", "include \"base/outer.conf\"\ninner.ttl = 2s\n");
        var document = HoconDocument.Load(main, _ => null);
        AssertKeys(document.Values, ("inner:ttl", "2s"), ("inner:retries", "5"));
        Assert.Equal(new HoconPosition(Path.Combine(files.Directory, "conf/base/outer.conf"), 2, 12), document.Positions["inner:retries"]);
    }

    [Fact]
    public void Parse_SubstitutionsDefinedLater_ResolveAfterTheWholeDocument()
    {
        var values = Parse("copy = ${base.url}\nlist = [${base.port}, 2]\nobj = ${base}\nbase { url = \"http://h\", port = 80 }");
        AssertKeys(values, ("copy", "http://h"), ("list:0", "80"), ("list:1", "2"),
            ("obj:url", "http://h"), ("obj:port", "80"), ("base:url", "http://h"), ("base:port", "80"));
    }

    [Fact]
    public void Parse_OptionalSubstitutions_UseTheEnvironmentOrLeaveTheEarlierValue()
    {
        var env = new Dictionary<string, string> { ["HOST_NAME"] = "node-7", ["a.b"] = "from-env" };
        var values = Parse("host = default\nhost = ${?HOST_NAME}\nport = 1\nport = ${?NO_SUCH_VAR}\ngone = ${?NO_SUCH_VAR}\nab = ${?a.b}\nitems = [x, ${?NO_SUCH_VAR}]", env);
        AssertKeys(values, ("host", "node-7"), ("port", "1"), ("ab", "from-env"), ("items:0", "x"));
    }

    [Fact]
    public void Parse_AdjacentValues_ConcatenateIntoOneString()
    {
        var values = Parse("a = foo bar  \nb = ${a}\"/suffix\"\nc = 10 s\nd = ${a} and ${b}\ne = \"x\"${?NOPE}y");
        AssertKeys(values, ("a", "foo bar"), ("b", "foo bar/suffix"), ("c", "10 s"), ("d", "foo bar and foo bar/suffix"), ("e", "xy"));
    }

    [Fact]
    public void Parse_RootInBraces_IsTheSameAsWithout()
    {
        var values = Parse("{\n  a = 1\n  b { c = [1] }\n}\n");
        AssertKeys(values, ("a", "1"), ("b:c:0", "1"));
    }

    [Fact]
    public void Parse_EachKey_RemembersLineAndColumnOfItsValue()
    {
        var document = HoconDocument.Parse("a {\n  b = 1\n  c = [x,\n    y]\n}\nd = ${a.b}", "/virtual/pos.conf", _ => null);
        Assert.Equal(new HoconPosition("/virtual/pos.conf", 2, 7), document.Positions["a:b"]);
        Assert.Equal(new HoconPosition("/virtual/pos.conf", 4, 5), document.Positions["a:c:1"]);
        Assert.Equal(new HoconPosition("/virtual/pos.conf", 6, 5), document.Positions["d"]);
    }
}
