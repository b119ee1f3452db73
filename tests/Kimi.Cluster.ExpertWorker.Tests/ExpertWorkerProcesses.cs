using Kimi.Cluster.Abstractions;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kimi.Cluster.ExpertWorker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kimi.Cluster.ExpertWorker.Tests;

/// <summary>
/// Real expert worker processes on loopback (worker 0 is the primary silo) and an Orleans
/// client connected to their gateways, as an attention worker would be.
/// </summary>
public sealed class ExpertWorkerProcesses : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    private readonly List<Process> _processes = [];
    private IHost? _client;

    public IReadOnlyList<string> DataPlaneEndpoints { get; private set; } = [];
    public IReadOnlyList<Process> Processes => _processes;
    public IClusterClient Client => _client?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("not started");

    public static async Task<ExpertWorkerProcesses> StartAsync(int workers, int shards, int replicas)
    {
        var cluster = new ExpertWorkerProcesses();
        try
        {
            int[] siloPorts = FreePorts(workers), gatewayPorts = FreePorts(workers);
            var endpoints = new List<string>();
            for (int i = 0; i < workers; i++) // the primary first: the others join it
                endpoints.Add(await cluster.StartWorkerAsync(siloPorts[i], gatewayPorts[i], siloPorts[0], shards, replicas));
            cluster.DataPlaneEndpoints = endpoints;
            cluster._client = Host.CreateDefaultBuilder()
                .UseOrleansClient(client => client.UseLocalhostClustering(gatewayPorts, ClusterIdentity.ServiceId, ClusterIdentity.ClusterId))
                .Build();
            await cluster._client.StartAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task<string> StartWorkerAsync(int siloPort, int gatewayPort, int primaryPort, int shards, int replicas)
    {
        string dll = typeof(ExpertWorkerHost).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--silo-port", $"{siloPort}", "--gateway-port", $"{gatewayPort}", "--primary-silo-port", $"{primaryPort}",
                "--shards", $"{shards}", "--replicas", $"{replicas}", "--parent-pid", $"{Environment.ProcessId}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the expert worker");
        _processes.Add(process);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(ReadyTimeout);
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith(ExpertWorkerHost.ReadyPrefix, StringComparison.Ordinal))
                return line[ExpertWorkerHost.ReadyPrefix.Length..].Trim();
        }
        throw new InvalidOperationException($"expert worker exited before READY:\n{string.Join('\n', log)}");
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        foreach (var listener in listeners)
            listener.Start();
        int[] ports = [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        foreach (var listener in listeners)
            listener.Stop();
        return ports;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            try
            {
                await _client.StopAsync(TimeSpan.FromSeconds(5));
            }
            catch (OperationCanceledException)
            {
            }
            _client.Dispose();
        }
        foreach (var process in _processes)
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }
}
