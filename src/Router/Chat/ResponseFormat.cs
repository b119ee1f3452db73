namespace Kimi.Cluster.Router.Chat;

/// <summary>
/// response_format as read: free text, any JSON object (json_object), or JSON that validates
/// against a schema (json_schema; <see cref="Schema"/> holds the schema document as sent).
/// </summary>
public sealed record ResponseFormat(ResponseFormatKind Kind, string? Schema = null)
{
    public static ResponseFormat Text { get; } = new(ResponseFormatKind.Text);
    public static ResponseFormat JsonObject { get; } = new(ResponseFormatKind.JsonObject);

    /// <summary>Whether the content must be JSON (enforced by constrained decoding).</summary>
    public bool IsJson => Kind != ResponseFormatKind.Text;
}
