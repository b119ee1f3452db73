using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kimi.Cluster.Model.Configuration;

/// <summary>Typed access to config.json fields that names the field when it is missing or mistyped.</summary>
internal static class JsonFieldReader
{
    public static T Required<T>(this JsonObject json, string name, string path) =>
        json[name] is { } node ? Convert<T>(node, path + name)
            : throw new ModelConfigException(path + name, "is required");

    public static T Required<T>(this JsonArray json, int index, string path) =>
        json[index] is { } node ? Convert<T>(node, $"{path}[{index}]")
            : throw new ModelConfigException($"{path}[{index}]", "must not be null");

    public static T Optional<T>(this JsonObject json, string name, string path, T fallback) =>
        json[name] is { } node ? Convert<T>(node, path + name) : fallback;

    public static T? OptionalNullable<T>(this JsonObject json, string name, string path) where T : struct =>
        json[name] is { } node ? Convert<T>(node, path + name) : null;

    private static T Convert<T>(JsonNode node, string field)
    {
        try
        {
            if (typeof(T) == typeof(int) && node.GetValue<JsonElement>() is { ValueKind: JsonValueKind.Number } number
                && number.TryGetDouble(out double asDouble) && asDouble == Math.Floor(asDouble)
                && asDouble is >= int.MinValue and <= int.MaxValue)
                return (T)(object)(int)asDouble; // 1.0 is an integer too
            return node.GetValue<T>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new ModelConfigException(field, $"expected {Describe(typeof(T))}, got {node.ToJsonString()}");
        }
    }

    private static string Describe(Type type) =>
        type == typeof(int) ? "an integer" : type == typeof(double) ? "a number"
        : type == typeof(bool) ? "true or false" : type == typeof(string) ? "a string" : type.Name;
}
