using System.Text;

namespace Kimi.Cluster.Constraints.Tests.Support;

/// <summary>Random JSON documents (seeded) in the grammar's white space limits: gaps of at most three spaces, newlines or tabs.</summary>
internal sealed class RandomJson(int seed)
{
    private static readonly string[] Strings = ["", "a", "héllo", "日本語", "😀x", "tab\\tq\\\"", "\\u00e9\\ud83d\\ude00", "\\/\\b\\f\\n\\r\\\\", "€"];
    private static readonly string[] Numbers = ["0", "-0", "12", "-3.25", "1e5", "2E-3", "0.5e+10", "123456789012345678901234567890"];
    private readonly Random _random = new(seed);

    public string Next()
    {
        var text = new StringBuilder();
        Value(text, depth: 0);
        return text.ToString();
    }

    private void Value(StringBuilder text, int depth)
    {
        switch (_random.Next(depth > 3 ? 5 : 7))
        {
            case 0: text.Append(Pick(["true", "false", "null"])); break;
            case 1 or 2: text.Append(Pick(Numbers)); break;
            case 3 or 4: text.Append('"').Append(Pick(Strings)).Append('"'); break;
            case 5: Container(text, depth, '[', ']', key: false); break;
            default: Container(text, depth, '{', '}', key: true); break;
        }
    }

    private void Container(StringBuilder text, int depth, char open, char close, bool key)
    {
        text.Append(open);
        int count = _random.Next(4);
        if (count > 0)
            text.Append(Gap());
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
                text.Append(Gap()).Append(',').Append(Gap());
            if (key)
                text.Append('"').Append(Pick(Strings)).Append('"').Append(Gap()).Append(':').Append(Gap());
            Value(text, depth + 1);
        }
        text.Append(Gap()).Append(close);
    }

    private string Gap() => _random.Next(3) == 0 ? new string(Pick([' ', '\n', '\t']), _random.Next(1, 4)) : "";

    private T Pick<T>(T[] choices) => choices[_random.Next(choices.Length)];
}
