using System.CommandLine;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>The command-line options of <see cref="ClusterTls"/>, the same on the router and both workers.</summary>
public sealed class ClusterTlsOptions
{
    private readonly Option<string?> _certificate = File("--tls-cert", "PEM certificate (and any intermediates) this process presents to the cluster's other processes; with --tls-key and --tls-ca, all internal gRPC and Orleans traffic uses mutual TLS.");
    private readonly Option<string?> _key = File("--tls-key", "PEM private key of --tls-cert.");
    private readonly Option<string?> _authority = File("--tls-ca", "PEM certificate(s) of the CA that signs every process's certificate; peers are accepted by this signature, not by host name.");

    /// <summary>Adds the three options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(_certificate);
        command.Options.Add(_key);
        command.Options.Add(_authority);
    }

    /// <summary>The TLS the parse gives (null for none); false, with the reason on stderr, when it cannot be used.</summary>
    public bool TryRead(ParseResult parse, out ClusterTls? tls)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return ClusterTls.TryRead(parse.GetValue(_certificate), parse.GetValue(_key), parse.GetValue(_authority), out tls);
    }

    private static Option<string?> File(string name, string description)
    {
        var option = new Option<string?>(name) { Description = description };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } path && !System.IO.File.Exists(path))
                result.AddError($"{name}: file '{path}' does not exist.");
        });
        return option;
    }
}
