using System.Text;
using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// The one spelling the grammar uses for a known value (enum and const values, property names):
/// compact, members in their source order, strings escaped only where JSON requires it, other
/// characters as raw UTF-8.
/// </summary>
internal static class CanonicalJson
{
    public static byte[] Write(JsonElement value)
    {
        var text = new StringBuilder();
        Append(value, text);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The bytes of a string's body and its closing quote (what follows the opening quote).</summary>
    public static byte[] StringBodyAndQuote(string value)
    {
        var text = new StringBuilder();
        AppendString(value, text);
        return Encoding.UTF8.GetBytes(text.ToString(1, text.Length - 1));
    }

    private static void Append(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                foreach (var (property, index) in value.EnumerateObject().Select((p, i) => (p, i)))
                {
                    text.Append(index == 0 ? "" : ",");
                    AppendString(property.Name, text);
                    text.Append(':');
                    Append(property.Value, text);
                }
                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[').AppendJoin(',', value.EnumerateArray().Select(item => Encoding.UTF8.GetString(Write(item)))).Append(']');
                break;
            case JsonValueKind.String:
                AppendString(value.GetString()!, text); // a String element's value is never null
                break;
            default:
                text.Append(value.GetRawText()); // numbers as written, true, false, null
                break;
        }
    }

    private static void AppendString(string value, StringBuilder text)
    {
        text.Append('"');
        foreach (char c in value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        text.Append('"');
    }
}
