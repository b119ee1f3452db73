using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>One keyword's value and the JSON pointer of the schema object it was written in.</summary>
internal readonly record struct SchemaEntry(JsonElement Value, string Path);
