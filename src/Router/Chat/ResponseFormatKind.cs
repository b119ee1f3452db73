namespace Kimi.Cluster.Router.Chat;

/// <summary>response_format's types.</summary>
public enum ResponseFormatKind
{
    Text,
    JsonObject,
    JsonSchema,
}
