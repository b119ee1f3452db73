using System.Text.Json;

namespace Kimi.Cluster.Constraints.Tests.Support;

/// <summary>What System.Text.Json's reader says of a byte string: where it first fails, and whether the whole is one complete value.</summary>
internal static class ReaderVerdict
{
    /// <summary>The index of the first byte the reader cannot accept as a prefix of JSON, or -1.</summary>
    public static int FirstBadByte(byte[] document)
    {
        for (int length = 1; length <= document.Length; length++)
        {
            if (!ReadsPrefix(document.AsSpan(0, length), isFinalBlock: false))
                return length - 1;
        }
        return -1;
    }

    /// <summary>True when the whole is exactly one JSON value.</summary>
    public static bool IsComplete(byte[] document) => document.Length > 0 && ReadsPrefix(document, isFinalBlock: true);

    private static bool ReadsPrefix(ReadOnlySpan<byte> bytes, bool isFinalBlock)
    {
        var reader = new Utf8JsonReader(bytes, isFinalBlock, state: default);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.String || reader.TokenType == JsonTokenType.PropertyName)
                    _ = reader.GetString(); // validates the string's UTF-8 and escapes
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false; // GetString on invalid UTF-8
        }
    }
}
