using System.Runtime.CompilerServices;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Operations;
using Kimi.Cluster.Router.Worker;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Router.Routing;

/// <summary>
/// The attention workers behind the router, used like one <see cref="WorkerClient"/>: each call
/// waits its turn in the router's queue (<see cref="AdmissionQueue{T}"/>), goes to the worker
/// <see cref="LoadBalancer"/> picks, fails over to another worker while no token has streamed,
/// resumes on another worker from the streamed tokens when its worker is lost mid-stream (the
/// caller sees one stream), and is cancelled with a 504 past the request timeout. The workers themselves (channels,
/// model check, probes) are <see cref="AttentionWorkerSet"/>'s.
/// </summary>
public sealed partial class AttentionWorkerPool : IAsyncDisposable
{
    private readonly AttentionWorkerSet _workers;
    private readonly LoadBalancer _balancer;
    private readonly AdmissionQueue<WorkerLease> _admission;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeSpan _stallTimeout;
    private readonly WorkerHealthWatch _health;
    private readonly ILogger<AttentionWorkerPool> _logger;
    private readonly RouterMetrics _metrics;
    private readonly TimeProvider _time;

    public AttentionWorkerPool(RouterHostOptions options, ILoggerFactory loggers, TimeProvider time, RouterMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentNullException.ThrowIfNull(time);
        if (options.WorkerAddresses.Count == 0)
            throw new ArgumentException("at least one attention worker address is needed", nameof(options));
        _logger = loggers.CreateLogger<AttentionWorkerPool>();
        _balancer = new LoadBalancer(options.WorkerAddresses.Count, options.Routing, time);
        _workers = new AttentionWorkerSet(options.WorkerAddresses, _balancer, loggers.CreateLogger<AttentionWorkerSet>(),
            new ClusterCredentialOptions(options.ClusterCredential, options.ClusterTls));
        var limits = options.Limits;
        _admission = new AdmissionQueue<WorkerLease>(new AdmissionOptions(limits.MaxConcurrentRequests, limits.MaxQueuedRequests), time);
        _requestTimeout = limits.RequestTimeout;
        _stallTimeout = limits.StallTimeout;
        _health = new WorkerHealthWatch(options.WorkerAddresses.Count, _workers.Health, worker => _balancer.Load(worker).InFlight > 0,
            limits.HealthTimeout, MarkDown);
        _time = time;
        _metrics = metrics ?? RouterMetrics.Unexported();
        _metrics.ObserveAdmission(() => _admission.Running, () => _admission.Queued);
    }

    public IReadOnlyList<AttentionWorkerStatus> Status() =>
        [.. Enumerable.Range(0, _balancer.Count).Select(index => StatusOf(_workers.Address(index), _balancer.Load(index), _workers.Loading(index)))];

    private static AttentionWorkerStatus StatusOf(Uri address, WorkerLoad load, WorkerLoading? loading) =>
        new(address.ToString(), load.Ready, load.OutstandingTokens, load.InFlight, load.Routed, loading);

    /// <summary>The served model: asks the workers not yet checked; 503 while none has answered.</summary>
    public Task<ModelInfo> GetModelInfoAsync(TimeSpan timeout, CancellationToken cancellation) =>
        _workers.GetModelInfoAsync(timeout, cancellation);

    /// <summary>Streams one sequence from the chosen worker; cancelling the token cancels the call.</summary>
    public IAsyncEnumerable<GenerateResponse> GenerateAsync(GenerateRequest request, CancellationToken cancellation) =>
        GenerateAsync(request, workerDeadline: null, cancellation);

    /// <summary>As above, with the caller's deadline (a gRPC client's) carried on to the worker call.</summary>
    public async IAsyncEnumerable<GenerateResponse> GenerateAsync(
        GenerateRequest request, DateTime? workerDeadline, [EnumeratorCancellation] CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        var observation = new SequenceObservation(_metrics, _time);
        string? outcome = null;
        await using var responses = GenerateCoreAsync(request, workerDeadline, observation, cancellation).GetAsyncEnumerator(cancellation);
        try
        {
            while (true)
            {
                try
                {
                    if (!await responses.MoveNextAsync())
                        break;
                }
                catch (Exception)
                {
                    outcome = cancellation.IsCancellationRequested ? "abort" : "error";
                    throw;
                }
                observation.Responded(responses.Current);
                yield return responses.Current;
            }
            outcome = observation.FinishReason ?? "stop";
        }
        finally
        {
            // Left early without an error: the router ended the call itself (a stop string matched) or the client left.
            observation.Finished(outcome ?? (cancellation.IsCancellationRequested ? "abort" : "stop"));
        }
    }

    private async IAsyncEnumerable<GenerateResponse> GenerateCoreAsync(
        GenerateRequest request, DateTime? workerDeadline, SequenceObservation observation, [EnumeratorCancellation] CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(_requestTimeout);
        var prefix = _balancer.PrefixHashes(request.PromptTokenIds);
        long tokens = request.PromptTokenIds.Count + (long)request.MaxTokens;
        using var ticket = await WithDeadline(
            () => _admission.EnterAsync(() => Lease(prefix, tokens, []) ?? throw NoWorkerReady(null), deadline.Token), deadline, cancellation);
        observation.Admitted();
        var lease = ticket.Value;
        var tried = new List<int>();
        var attempt = request;
        var streamed = new List<int>(); // every token the caller has been given, over all attempts
        int resumes = 0;
        long? lostAt = null;
        try
        {
            while (true)
            {
                // Its own cancellation, so a worker that goes silent can be given up without ending the request.
                using var call = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                var stream = _workers.Client(lease.Worker).GenerateAsync(attempt, workerDeadline, call.Token).GetAsyncEnumerator(call.Token);
                ApiException? lost = null;
                try
                {
                    var (hasFirst, failure) = await WithDeadline(() => FirstAsync(stream, lease.Worker, call), deadline, cancellation);
                    if (failure is not null)
                    {
                        // Nothing has streamed from this worker: another may still serve the same attempt.
                        tried.Add(lease.Worker);
                        lease.Dispose();
                        lease = Lease(prefix, tokens, tried) ?? throw NoWorkerReady(failure);
                        continue;
                    }
                    if (!hasFirst)
                        yield break;
                    if (lostAt is long since)
                    {
                        _metrics.ResumeDelay.Record(_time.GetElapsedTime(since).TotalSeconds);
                        lostAt = null;
                    }
                    yield return AsOriginal(stream.Current, request, streamed, resumes);
                    while (true)
                    {
                        (bool hasNext, lost) = await WithDeadline(() => NextAsync(stream, lease.Worker, call), deadline, cancellation);
                        if (!hasNext)
                            break;
                        yield return AsOriginal(stream.Current, request, streamed, resumes);
                    }
                    if (lost is null)
                        yield break;
                }
                finally
                {
                    await stream.DisposeAsync();
                }
                // The worker was lost mid-stream: resume on another one from what was streamed.
                if (Finished(request, streamed) is { } final)
                {
                    yield return final;
                    yield break;
                }
                lostAt = _time.GetTimestamp();
                if (++resumes > MaxResumes)
                    throw ApiException.Unavailable($"the generation lost {resumes} attention workers ({lost.Message}); gave up after {MaxResumes} resumes");
                tried.Add(lease.Worker);
                lease.Dispose();
                lease = Lease(prefix, tokens, tried) ?? throw NoWorkerReady(lost);
                attempt = Resumed(request, streamed);
                _metrics.Resumes.Add(1);
                LogResuming(_logger, request.RequestId, streamed.Count, _workers.Address(lease.Worker));
            }
        }
        finally
        {
            lease.Dispose();
        }
    }

    /// <summary>How many times one generation may move to another attention worker after tokens have streamed.</summary>
    private const int MaxResumes = 3;

    /// <summary>
    /// The original request continued from the tokens already streamed: they join the prompt and
    /// count as generated (penalties, the seeded draws' positions), and max_tokens keeps what is left.
    /// </summary>
    private static GenerateRequest Resumed(GenerateRequest original, List<int> streamed)
    {
        var resumed = original.Clone();
        resumed.PromptTokenIds.AddRange(streamed);
        resumed.GeneratedTokens = original.GeneratedTokens + (uint)streamed.Count;
        resumed.MaxTokens = original.MaxTokens - (uint)streamed.Count;
        return resumed;
    }

    /// <summary>
    /// A lost worker may have streamed the sequence's last token without its final message: with
    /// max_tokens reached, or a stop token (the request's, or end-of-sequence unless ignored)
    /// last, the generation is over and needs no resume, only the final message.
    /// </summary>
    private GenerateResponse? Finished(GenerateRequest request, List<int> streamed)
    {
        if (streamed.Count >= request.MaxTokens)
            return new GenerateResponse { FinishReason = FinishReason.Length };
        if (streamed.Count == 0)
            return null;
        int last = streamed[^1];
        bool eos = !request.IgnoreEos && _workers.Model?.EosTokenIds.Contains(last) == true;
        return eos || request.StopTokenIds.Contains(last) ? new GenerateResponse { FinishReason = FinishReason.Stop } : null;
    }

    /// <summary>
    /// Records the tokens the caller gets; a resumed attempt's first message reports the original
    /// prompt's size, not the longer prompt the resume sent.
    /// </summary>
    private static GenerateResponse AsOriginal(GenerateResponse response, GenerateRequest original, List<int> streamed, int resumes)
    {
        streamed.AddRange(response.Tokens.Select(t => t.TokenId));
        if (resumes > 0 && response.PromptTokens != 0)
            response.PromptTokens = (uint)original.PromptTokenIds.Count;
        return response;
    }

    private WorkerLease? Lease(ulong[] prefix, long tokens, IReadOnlyCollection<int> exclude) =>
        _balancer.Assign(prefix, tokens, exclude) is int worker ? new WorkerLease(_balancer, worker, tokens) : null;

    private static ApiException NoWorkerReady(ApiException? last) => last?.StatusCode == StatusCodes.Status429TooManyRequests
        ? last
        : ApiException.Unavailable(last is null ? "no attention worker is ready" : $"no attention worker is ready ({last.Message})");

    /// <summary>
    /// Moves to the first response; the failure comes back rather than thrown when another worker
    /// may serve the call instead (this one is unavailable, or its queue is full).
    /// </summary>
    private async Task<(bool HasFirst, ApiException? Failover)> FirstAsync(IAsyncEnumerator<GenerateResponse> stream, int worker, CancellationTokenSource call)
    {
        var first = stream.MoveNextAsync().AsTask();
        var lost = _health.LostToken(worker);
        try
        {
            return (await first.WaitAsync(lost), null);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            return (false, await GiveUpAsync(first, call, "it stopped answering its health checks"));
        }
        catch (ApiException error) when (error.StatusCode is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status429TooManyRequests)
        {
            if (error.StatusCode == StatusCodes.Status503ServiceUnavailable)
                MarkDown(worker, error.Message);
            return (false, error);
        }
    }

    /// <summary>
    /// Moves to the next response; a worker that became unavailable mid-stream (it died, or is
    /// shutting down) or sent nothing for the stall timeout comes back as <c>Lost</c>, marked
    /// down, for the caller to resume elsewhere (a silent call is cancelled first).
    /// </summary>
    private async Task<(bool HasNext, ApiException? Lost)> NextAsync(IAsyncEnumerator<GenerateResponse> stream, int worker, CancellationTokenSource call)
    {
        var next = stream.MoveNextAsync().AsTask();
        var lost = _health.LostToken(worker);
        try
        {
            return (await next.WaitAsync(_stallTimeout, _time, lost), null);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            // The health watch found the worker lost and marked it down.
            return (false, await GiveUpAsync(next, call, "it stopped answering its health checks"));
        }
        catch (ApiException error) when (error.StatusCode == StatusCodes.Status503ServiceUnavailable)
        {
            MarkDown(worker, error.Message);
            return (false, error);
        }
        catch (TimeoutException)
        {
            var stalled = await GiveUpAsync(next, call, $"it sent nothing for {_stallTimeout.TotalSeconds:0.###} s");
            MarkDown(worker, stalled.Message);
            return (false, stalled);
        }
    }

    /// <summary>Cancels a call whose worker is given up and waits for it to end; the 503 that says why.</summary>
    private static async Task<ApiException> GiveUpAsync(Task pending, CancellationTokenSource call, string why)
    {
        await call.CancelAsync();
        try
        {
            await pending;
        }
        catch (Exception ended) when (ended is OperationCanceledException or ApiException)
        {
            // The cancelled call ends one way or the other; the worker is given up either way.
        }
        return ApiException.Unavailable($"the attention worker was given up: {why}");
    }

    /// <summary>Turns the request timeout firing into a 504; the client's own cancellation stays a cancellation.</summary>
    private async Task<TResult> WithDeadline<TResult>(Func<Task<TResult>> call, CancellationTokenSource deadline, CancellationToken cancellation)
    {
        try
        {
            return await call();
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            throw ApiException.TimedOut($"the generation took longer than the request timeout ({_requestTimeout.TotalSeconds:0.###} s)");
        }
    }

    private void MarkDown(int worker, string reason)
    {
        _balancer.MarkDown(worker);
        LogWorkerDown(_logger, _workers.Address(worker), reason);
    }

    public async ValueTask DisposeAsync()
    {
        await _health.DisposeAsync();
        await _admission.DisposeAsync();
        await _workers.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: its attention worker was lost after {Tokens} tokens; resuming on {Address}")]
    private static partial void LogResuming(ILogger logger, string requestId, int tokens, Uri address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attention worker {Address} is unavailable, skipped for a while: {Reason}")]
    private static partial void LogWorkerDown(ILogger logger, Uri address, string reason);
}
