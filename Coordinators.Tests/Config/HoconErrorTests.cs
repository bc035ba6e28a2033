using Coordinators.Actors.Config.Hocon;

namespace Coordinators.Tests.Config;

public sealed class HoconErrorTests
{
    private const string File = "/virtual/bad.conf";

    private static HoconException ParseError(string text) =>
        Assert.Throws<HoconException>(() => HoconDocument.Parse(text, File, _ => null));

    [Theory]
    [InlineData("a = \"open\nb = 1", 1, 5, "unterminated quoted string")]
    [InlineData("a {\n  b = 1\n", 3, 1, "expected '}' to close the object opened at line 1, column 3")]
    [InlineData("a = [1, 2\n", 2, 1, "expected ']' to close the array opened at line 1, column 5")]
    [InlineData("a b c\n", 1, 6, "expected '=', ':' or '{' after the key 'a b c'")]
    [InlineData("a = 1 }\n", 1, 7, "expected ',', a new line or the end of the file after a field")]
    [InlineData("list += 3\n", 1, 6, "'+=' (append to an array) is not supported")]
    [InlineData("x {\n  include url(\"http://h/c.conf\")\n}", 2, 11, "'include url(...' is not supported")]
    [InlineData("a = {x = 1}\nb = ${a} { y = 2 }\n", 2, 10, "an object cannot be joined with other values")]
    [InlineData("a = ${b}\na { c = 1 }\n", 2, 3, "object concatenation with substitutions is not supported")]
    [InlineData("a = 1\nb = ${nope.here}\n", 2, 5, "${nope.here} is not defined")]
    [InlineData("a = ${b}\nb = ${a}\n", 2, 5, "${a} refers to itself, directly or through other substitutions")]
    [InlineData("a = x!y\n", 1, 6, "the character '!' is not allowed in an unquoted string")]
    [InlineData("a = \"bad \\q escape\"\n", 1, 10, "unknown escape '\\q'")]
    [InlineData("a..b = 1\n", 1, 1, "empty path element")]
    [InlineData("a = \n", 1, 5, "expected a value, found the end of the line")]
    [InlineData("url = http://host:2379\n", 1, 11, "unexpected ':' in a value")]
    [InlineData("a = $b\n", 1, 5, "expected '{' after '$'")]
    public void Parse_InvalidText_ReportsFileLineColumnAndWhatWasExpected(string text, int line, int column, string expected)
    {
        var e = ParseError(text);
        Assert.Equal(File, e.File);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains(expected, e.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"{File}:{line}:{column}: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_IncludeCycle_IsRejectedAtTheIncludeThatClosesIt()
    {
        using var files = new TempFiles();
        var a = files.Write("a.conf", "x = 1\ninclude \"b.conf\"\n");
        var b = files.Write("b.conf", "y = 2\n  include \"a.conf\"\n");
        var e = Assert.Throws<HoconException>(() => HoconDocument.Load(a, _ => null));
        Assert.Equal((b, 2, 3), (e.File, e.Line, e.Column));
        Assert.Equal($"include cycle: {a} -> {b} -> {a}", e.Reason);
    }

    [Fact]
    public void Load_MissingIncludeOrFile_NamesThePath()
    {
        using var files = new TempFiles();
        var main = files.Write("main.conf", "a = 1\ninclude \"missing.conf\"\n");
        var e = Assert.Throws<HoconException>(() => HoconDocument.Load(main, _ => null));
        Assert.Equal((main, 2, 1), (e.File, e.Line, e.Column));
        Assert.Equal($"included file not found: {Path.Combine(files.Directory, "missing.conf")}", e.Reason);

        var absent = Path.Combine(files.Directory, "absent.conf");
        var missing = Assert.Throws<HoconException>(() => HoconDocument.Load(absent, _ => null));
        Assert.Equal((absent, 0, 0), (missing.File, missing.Line, missing.Column));
        Assert.Equal($"{absent}: configuration file not found", missing.Message);
    }

    [Fact]
    public void Load_ErrorInIncludedFile_NamesTheIncludedFile()
    {
        using var files = new TempFiles();
        var inner = files.Write("inner.conf", "ok = 1\nbroken = [\n");
        var main = files.Write("main.conf", "include \"inner.conf\"\n");
        var e = Assert.Throws<HoconException>(() => HoconDocument.Load(main, _ => null));
        Assert.Equal((inner, 3, 1), (e.File, e.Line, e.Column));
    }
}
