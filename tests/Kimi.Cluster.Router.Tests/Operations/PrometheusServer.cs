using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Kimi.Cluster.Launch;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.Operations;

/// <summary>
/// A real Prometheus (Debian's package) scraping the given targets every second, with its data
/// in a temporary directory, listening on a free loopback port. Disposing kills it.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string BinaryPath = "/usr/bin/prometheus";

    private readonly TempDirectory _directory = new("kimi-prometheus");
    private readonly StringBuilder _output = new();
    private Process? _process;

    public HttpClient Http { get; private set; } = null!;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts scraping (job, host:port) targets; returns once its HTTP API answers.</summary>
    public static async Task<PrometheusServer> StartAsync(IEnumerable<(string Job, string Target)> targets)
    {
        var server = new PrometheusServer();
        try
        {
            await server.BeginAsync(targets);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task BeginAsync(IEnumerable<(string Job, string Target)> targets)
    {
        string config = Path.Combine(_directory.Path, "prometheus.yml");
        await File.WriteAllTextAsync(config, Config(targets));
        int port = LoopbackPorts.Pick(1)[0];
        var start = new ProcessStartInfo(BinaryPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[]
        {
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_directory.Path, "data")}",
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
        })
            start.ArgumentList.Add(argument);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"), Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await IsReadyAsync())
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
                throw new InvalidOperationException($"Prometheus did not become ready:{Environment.NewLine}{Output}");
            await Task.Delay(200);
        }
    }

    private static string Config(IEnumerable<(string Job, string Target)> targets)
    {
        var yaml = new StringBuilder("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n");
        foreach (var (job, target) in targets)
            yaml.Append(CultureInfo.InvariantCulture, $"  - job_name: '{job}'\n    static_configs:\n      - targets: ['{target}']\n");
        return yaml.ToString();
    }

    private async Task<bool> IsReadyAsync()
    {
        try
        {
            using var response = await Http.GetAsync(new Uri("/-/ready", UriKind.Relative));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Runs an instant query; returns the result vector (empty when nothing matches).</summary>
    public async Task<JsonArray> QueryAsync(string promql)
    {
        using var content = new FormUrlEncodedContent([new KeyValuePair<string, string>("query", promql)]);
        using var response = await Http.PostAsync(new Uri("/api/v1/query", UriKind.Relative), content);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if (!response.IsSuccessStatusCode || (string?)body["status"] != "success")
            throw new InvalidOperationException($"Prometheus refused {promql}: {body.ToJsonString()}");
        return body["data"]!["result"]!.AsArray();
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        Http?.Dispose();
        _directory.Dispose();
    }
}
