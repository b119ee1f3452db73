using System.Security.Cryptography;
using System.Text;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>
/// The shared secret our own processes present to each other: the router to the attention
/// workers, the attention workers to the expert workers' data plane and grains. A worker that has
/// one refuses calls without it (UNAUTHENTICATED), so nothing that merely reaches its ports can
/// generate or feed the experts. Read from <see cref="EnvironmentVariable"/> or from the file
/// <see cref="FileVariable"/> names (a Kubernetes Secret mounted as a file); `local` makes one per
/// run. Never logged.
/// </summary>
public sealed class ClusterCredential
{
    /// <summary>The secret itself.</summary>
    public const string EnvironmentVariable = "KIMI_CLUSTER_CREDENTIAL";

    /// <summary>A file holding the secret (surrounding whitespace ignored).</summary>
    public const string FileVariable = "KIMI_CLUSTER_CREDENTIAL_FILE";

    /// <summary>The gRPC metadata key that carries it (the Orleans filters' request-context key has the same name).</summary>
    public const string MetadataKey = "x-kimi-cluster-credential";

    private const int MinimumLength = 16;

    private readonly byte[] _hash;

    private ClusterCredential(string value)
    {
        if (value.Length < MinimumLength)
            throw new ClusterCredentialException($"the cluster credential must be at least {MinimumLength} characters long (it has {value.Length})");
        Value = value;
        _hash = SHA256.HashData(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>The secret, to present on outgoing calls.</summary>
    public string Value { get; }

    /// <summary>A fresh random credential (256 bits, hex).</summary>
    public static ClusterCredential Generate() => new(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));

    public static ClusterCredential From(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(value.Trim());
    }

    /// <summary>
    /// The credential the environment gives (<see cref="EnvironmentVariable"/>, else the file of
    /// <see cref="FileVariable"/>), or null when it gives none. A file that cannot be read, or a
    /// credential that is too short, throws <see cref="ClusterCredentialException"/>.
    /// </summary>
    public static ClusterCredential? FromEnvironment() => FromVariables(Environment.GetEnvironmentVariable);

    /// <inheritdoc cref="FromEnvironment"/>
    /// <param name="variable">Reads an environment variable by name.</param>
    public static ClusterCredential? FromVariables(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        string? value = variable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(value))
            return From(value);
        string? file = variable(FileVariable);
        if (string.IsNullOrWhiteSpace(file))
            return null;
        try
        {
            return From(File.ReadAllText(file));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ClusterCredentialException($"{FileVariable}={file}: the cluster credential file cannot be read: {error.Message}", error);
        }
    }

    /// <summary>
    /// Reads the environment's credential (null when it gives none); a bad one is reported on
    /// stderr and gives false, so that a process refuses to start with a clear reason.
    /// </summary>
    public static bool TryReadEnvironment(out ClusterCredential? credential)
    {
        try
        {
            credential = FromEnvironment();
            return true;
        }
        catch (ClusterCredentialException error)
        {
            Console.Error.WriteLine($"Cannot start: {error.Message}");
            credential = null;
            return false;
        }
    }

    /// <summary>Whether <paramref name="presented"/> is this credential, compared in constant time.</summary>
    public bool Accepts(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(_hash, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    public override string ToString() => "cluster credential (hidden)";
}
