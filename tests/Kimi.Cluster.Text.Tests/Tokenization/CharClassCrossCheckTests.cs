using System.Globalization;
using System.Text.Json.Nodes;
using Kimi.Cluster.Text.Tokenization;

namespace Kimi.Cluster.Text.Tests.Tokenization;

/// <summary>
/// Every code point, BMP or not, in each character class of Kimi's pattern: the code-point
/// classes against Python's regex with the original class expressions. Python's regex may know a
/// newer Unicode than the .NET runtime; code points the runtime has not assigned yet are left out.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class CharClassCrossCheckTests
{
    // Recategorised by a Unicode version newer than the runtime's (ʕ: Ll became Lo in Unicode 16).
    private static readonly HashSet<int> NewerUnicode = [0x0295];

    [Fact]
    public async Task CharClasses_AgreeWithPythonRegex_ForEveryAssignedCodePoint()
    {
        if (await PythonReference.RequireAsync() is not { } python)
            return;
        var reply = await PythonReference.RunAsync(python, new JsonObject { ["classes"] = true });
        var classes = reply["classes"]!;
        var checks = new (string Name, Func<int, bool> InClass)[]
        {
            ("letter", KimiCharClasses.IsLetter), ("number", KimiCharClasses.IsNumber), ("han", KimiCharClasses.IsHan),
            ("space", KimiCharClasses.IsSpace), ("upper_part", KimiCharClasses.IsUpperPart), ("lower_part", KimiCharClasses.IsLowerPart),
        };
        // Debian's Python may know an older Unicode than the runtime: compare what both have assigned.
        var assigned = new HashSet<int>(reply["assigned"]!.AsArray()
            .SelectMany(r => Enumerable.Range((int)r![0]!, (int)r[1]! - (int)r[0]! + 1)));
        foreach (var (name, inClass) in checks)
        {
            var expected = new HashSet<int>(classes[name]!.AsArray().SelectMany(r => Enumerable.Range((int)r![0]!, (int)r[1]! - (int)r[0]! + 1)));
            var wrong = Enumerable.Range(0, 0x110000)
                .Where(c => c is < 0xD800 or > 0xDFFF && !NewerUnicode.Contains(c))
                .Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.OtherNotAssigned && assigned.Contains(c))
                .Where(c => inClass(c) != expected.Contains(c)).Take(20).ToList();
            Assert.True(wrong.Count == 0, $"{name}: {string.Join(", ", wrong.Select(c => $"U+{c:X4}"))}");
        }
    }
}
