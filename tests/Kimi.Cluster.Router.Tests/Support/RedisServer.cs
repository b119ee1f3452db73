using System.Diagnostics;
using Kimi.Cluster.Launch;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>
/// A throwaway redis-server on a free loopback port (no persistence) for Orleans membership.
/// Missing redis-server skips the caller's test, unless KIMI_REQUIRE_REDIS=1 (CI) makes it a failure.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A StackExchange.Redis connection string, as --orleans-redis takes it.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Starts one, or returns null (after saying why) when redis-server is not installed and not required.</summary>
    public static async Task<RedisServer?> TryStartAsync()
    {
        string? executable = FindOnPath("redis-server");
        if (executable is null)
        {
            Assert.False(Environment.GetEnvironmentVariable("KIMI_REQUIRE_REDIS") == "1",
                "redis-server is not on PATH, and KIMI_REQUIRE_REDIS=1 requires the Redis membership tests to run.");
            Console.Error.WriteLine("redis-server is not installed: the Redis membership test returns without running (set KIMI_REQUIRE_REDIS=1 to fail instead).");
            return null;
        }
        int port = LoopbackPorts.Pick(1)[0];
        var startInfo = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
            startInfo.ArgumentList.Add(argument);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
                ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, _) => { };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, port);
        try
        {
            await ready.Task.WaitAsync(StartTimeout);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/usr/bin")
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill();
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        _process.Dispose();
    }
}
