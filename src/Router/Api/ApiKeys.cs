using System.Security.Cryptography;
using System.Text;

namespace Kimi.Cluster.Router.Api;

/// <summary>
/// The configured API keys, kept only as SHA-256 hashes and compared in constant time, so neither
/// a log nor an answer's timing says anything about them. Shared by the HTTP and gRPC APIs.
/// </summary>
public sealed class ApiKeys(IEnumerable<string> keys)
{
    private const string BearerPrefix = "Bearer ";
    private readonly byte[][] _hashes = [.. keys.Select(Hash)];

    /// <summary>Whether keys are configured at all (otherwise every caller is let in).</summary>
    public bool Required => _hashes.Length > 0;

    /// <summary>Why an "Authorization" value is refused, or null when it carries a known key.</summary>
    public string? Refusal(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) || authorization.Length == BearerPrefix.Length)
        {
            return "You didn't provide an API key. You need to provide your API key in an Authorization header "
                + "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
        }
        return IsKnown(authorization[BearerPrefix.Length..].Trim()) ? null : "Incorrect API key provided.";
    }

    private bool IsKnown(string key)
    {
        byte[] hash = Hash(key);
        bool known = false;
        foreach (byte[] candidate in _hashes)
            known |= CryptographicOperations.FixedTimeEquals(hash, candidate);
        return known;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
