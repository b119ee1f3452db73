using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Router.Tests.Hosting;

public sealed class ClusterCredentialTests
{
    [Fact]
    public void Accepts_OnlyTheSameSecret()
    {
        var credential = ClusterCredential.From("0123456789abcdef-secret");

        Assert.True(credential.Accepts("0123456789abcdef-secret"));
        Assert.False(credential.Accepts("0123456789abcdef-secreT"));
        Assert.False(credential.Accepts(""));
        Assert.False(credential.Accepts(null));
        Assert.DoesNotContain("secret", credential.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_GivesADifferentLongSecretEachTime()
    {
        var a = ClusterCredential.Generate();
        var b = ClusterCredential.Generate();

        Assert.Equal(64, a.Value.Length);
        Assert.NotEqual(a.Value, b.Value);
        Assert.False(a.Accepts(b.Value));
    }

    [Fact]
    public void From_RefusesAShortSecret() =>
        Assert.Contains("at least 16 characters", Assert.Throws<ClusterCredentialException>(() => ClusterCredential.From("short")).Message, StringComparison.Ordinal);

    [Fact]
    public void FromVariables_ReadsTheVariable_ElseTheFileTrimmed_ElseNone()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "  from-a-mounted-secret-file\n");
            var variables = new Dictionary<string, string?> { [ClusterCredential.FileVariable] = file };

            Assert.True(ClusterCredential.FromVariables(name => variables.GetValueOrDefault(name))!.Accepts("from-a-mounted-secret-file"));
            variables[ClusterCredential.EnvironmentVariable] = "from-the-variable-itself";
            Assert.True(ClusterCredential.FromVariables(name => variables.GetValueOrDefault(name))!.Accepts("from-the-variable-itself"));
            Assert.Null(ClusterCredential.FromVariables(_ => null));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void FromVariables_NamesTheFile_WhenItCannotBeRead()
    {
        var error = Assert.Throws<ClusterCredentialException>(() => ClusterCredential.FromVariables(
            name => name == ClusterCredential.FileVariable ? "/nonexistent/kimi-credential" : null));

        Assert.Contains("/nonexistent/kimi-credential", error.Message, StringComparison.Ordinal);
    }
}
