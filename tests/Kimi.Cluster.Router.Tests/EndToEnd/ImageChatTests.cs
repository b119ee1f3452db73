using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Chat;
using Kimi.Cluster.Router.Images;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Router.Text;
using Kimi.Cluster.Router.Worker;
using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Tests.Shared.Reference;
using SkiaSharp;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// Chat with images through `local`, on a K2.5-layout checkpoint with a random tiny vision tower
/// and Moonshot's real tokenizer, against an independent implementation: k25_image_reference.py
/// preprocesses the same files with Pillow and numpy, runs the vision tower and projector and
/// then the text model in torch float64. Greedy tokens and their top-5 logprobs must agree with 0
/// and 2 expert workers; usage counts the image tokens; streamed choices (n = 2) see the images;
/// the prefix cache reuses a repeated image and not a different one of the same size.
/// </summary>
[Trait("Needs", "Processes")]
[Trait("Speed", "Slow")]
public sealed partial class ImageChatTests : IAsyncLifetime
{
    private const int NewTokens = 6;
    private readonly TempDirectory _model = new("kimi-k25-vision");
    private readonly TempDirectory _images = new("kimi-images");

    public Task InitializeAsync()
    {
        RealTokenizerModel.Write(_model.Path, maxPositionEmbeddings: 2048, vision: new TinyVisionSpec(), options: new TinyCheckpointOptions { LmHeadGain = 3 });
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _model.Dispose();
        _images.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Chat_GivesTheReferenceTokens_ForImagesOfDifferentSizes(int expertWorkers)
    {
        string? python = await ExternalProgram.FindPythonAsync("torch");
        if (python is null)
        {
            Assert.True(Environment.GetEnvironmentVariable("KIMI_REQUIRE_TORCH_CROSSCHECK") != "1",
                "python3 with torch and PIL is required for the cross-check (apt-get install python3-torch python3-pil)");
            return;
        }
        // 112×112 is the stored position grid (8×8 patches); 60×100 is padded; 150×90 is wider than it.
        string[] files = [WritePng("square", 112, 112, seed: 1), WritePng("tall", 60, 100, seed: 2), WritePng("wide", 150, 90, seed: 3)];
        var request = Chat(Part(files[0]), "Compare", Part(files[1]), "with", Part(files[2]));
        var plan = await PlanInProcessAsync(request);
        var expected = await ReferenceAsync(python, plan, files);
        Assert.Equal(expected.ImageTokens, plan.Images.Select(i => (int)i.Tokens));

        await using var cluster = await ClusterUnderTest.StartAsync($"images, {expertWorkers} expert workers", "--model", _model.Path, "--expert-workers", $"{expertWorkers}");
        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/chat/completions", request);
        Assert.True(status == 200, body.ToJsonString());
        Assert.Equal(plan.PromptTokenIds.Count, (int)body["usage"]!["prompt_tokens"]!);
        var actual = FromChat(body);
        Assert.NotEmpty(actual.Tokens);
        var prefix = expected.Completion with
        {
            Tokens = [.. expected.Completion.Tokens.Take(actual.Tokens.Count)],
        };
        // Tokens exactly; logprobs a little looser than the text-only cross-check's 1e-4: the
        // image rows come out of the float32 encoder (about 1e-6 relative off the float64 one)
        // and move every later activation by as much.
        GreedyCompletion.AssertClose(prefix, actual, 3e-4, $"images with {expertWorkers} expert workers");
    }

    [Fact]
    public async Task PrefixCache_ReusesARepeatedImage_ButNotADifferentOneOfTheSameSize()
    {
        string first = WritePng("first", 112, 84, seed: 4), same = WritePng("same", 112, 84, seed: 4), other = WritePng("other", 112, 84, seed: 5);
        await using var cluster = await ClusterUnderTest.StartAsync("image prefix cache", "--model", _model.Path);
        var metrics = await AttentionMetricsAsync(cluster);

        // A long text after the image, so most of the prompt lies past it.
        string text = "Describe it. " + string.Join(' ', Enumerable.Range(0, 150).Select(i => $"word{i}"));
        var a = await AnswerAsync(cluster, Chat(Part(first), text));
        double afterFirst = await PrefixHitsAsync(cluster.Http, metrics);
        var b = await AnswerAsync(cluster, Chat(Part(same), text));
        double afterSame = await PrefixHitsAsync(cluster.Http, metrics);
        var c = await AnswerAsync(cluster, Chat(Part(other), text));
        double afterOther = await PrefixHitsAsync(cluster.Http, metrics);

        int promptTokens = (int)a["usage"]!["prompt_tokens"]!;
        int imageStart = (int)(await PlanInProcessAsync(Chat(Part(other), text))).Images[0].FirstToken;
        Assert.True(promptTokens > imageStart + 200, $"{promptTokens} prompt tokens, the image at {imageStart}");
        // The same image again: every full block before the last token is a hit.
        Assert.True(afterSame - afterFirst >= promptTokens - 64, $"the repeated image hit {afterSame - afterFirst} of {promptTokens} prompt tokens");
        // Another image of the same size: only blocks before the image can be shared.
        Assert.True(afterOther - afterSame <= imageStart, $"a different image hit {afterOther - afterSame} tokens; only {imageStart} precede it");
        Assert.Equal(Content(a), Content(b));

        // Streamed, with two choices: each choice sees the image as the whole answer did.
        var streamed = Chat(Part(first), text);
        streamed["stream"] = true;
        streamed["n"] = 2;
        var events = await RouterApi.PostStreamAsync(cluster.Http, "/v1/chat/completions", streamed);
        var contents = new[] { "", "" };
        foreach (var e in events.Where(e => e != "[DONE]").Select(e => JsonNode.Parse(e)!))
        {
            foreach (var choice in e["choices"]!.AsArray())
                contents[(int)choice!["index"]!] += (string?)choice["delta"]?["content"] ?? "";
        }
        Assert.All(contents, content => Assert.Equal(Content(a) ?? "", content));
        Assert.Equal(promptTokens, (int)c["usage"]!["prompt_tokens"]!);
    }

    [Fact]
    public async Task GrpcGenerate_TakesImages_AsTheChatApiDoes()
    {
        string file = WritePng("grpc", 60, 100, seed: 6);
        await using var cluster = await ClusterUnderTest.StartAsync("images over gRPC", "--model", _model.Path, "--grpc-port", "0");
        var chat = Chat(Part(file), "Describe it.");
        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/chat/completions", chat);
        Assert.True(status == 200, body.ToJsonString());
        var plan = await PlanInProcessAsync(chat);
        var expected = FromChat(body).Tokens;

        // The same prompt as text with its one <|media_pad|>, and the image as bytes.
        var tokenizer = Kimi.Cluster.Text.Tokenization.KimiTokenizer.Load(_model.Path);
        int pad = tokenizer.SpecialTokens["<|media_pad|>"];
        var prompt = plan.PromptTokenIds.Where((token, i) => token != pad || i == plan.Images[0].FirstToken).ToList();
        var request = new GenerateTextRequest
        {
            TokenIds = new TokenIdList(),
            MaxTokens = NewTokens,
            Sampling = new GenerateSampling { Temperature = 0 },
        };
        request.TokenIds.Ids.AddRange(prompt);
        request.StopTokenIds.AddRange(tokenizer.SpecialTokens.Where(t => t.Key is "<|im_end|>" or "[EOS]").Select(t => t.Value));
        request.Images.Add(new ImageSource { Data = Google.Protobuf.ByteString.CopyFrom(File.ReadAllBytes(file)) });
        using var channel = await cluster.GrpcAsync();
        var client = new KimiGenerate.KimiGenerateClient(channel);
        var tokens = new List<int>();
        GenerateComplete? complete = null;
        using (var call = client.Generate(request))
        {
            while (await call.ResponseStream.MoveNext(default))
            {
                var response = call.ResponseStream.Current;
                if (response.Chunk is { } chunk)
                    tokens.AddRange(chunk.TokenIds);
                complete ??= response.Complete;
            }
        }
        Assert.Equal(expected, tokens);
        Assert.Equal((uint)plan.PromptTokenIds.Count, complete!.Usage.PromptTokens);

        // No placeholder for the image: InvalidArgument naming images.
        request.TokenIds.Ids.Clear();
        request.TokenIds.Ids.AddRange(prompt.Where(token => token != pad));
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = client.Generate(request);
            while (await call.ResponseStream.MoveNext(default))
            {
            }
        });
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("images: ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_RefusesNamingThePart_WhenAnImageIsBad()
    {
        await using var cluster = await ClusterUnderTest.StartAsync("bad images", "--model", _model.Path, "--disable-remote-images");
        var cases = new (JsonObject Request, string Expected)[]
        {
            (Chat("Look:", new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = "data:image/png;base64,AAAA" } }), "messages[0].content[1]: "),
            (Chat(new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = "http://127.0.0.1:9/x.png" } }), "does not fetch images from URLs"),
            (Chat(new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = "data:image/bmp;base64," + Convert.ToBase64String([66, 77, 0, 0, 0, 0, 0, 0]) } }), "messages[0].content[0]: "),
        };
        foreach (var (request, expected) in cases)
        {
            var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/chat/completions", request);
            Assert.True(status == 400, body.ToJsonString());
            Assert.Equal("messages", (string?)body["error"]!["param"]);
            Assert.Contains(expected, (string)body["error"]!["message"]!, StringComparison.Ordinal);
        }
    }

    private async Task<ChatPlan> PlanInProcessAsync(JsonObject request)
    {
        var info = new ModelInfo { ModelId = "m", VocabSize = RealTokenizerModel.VocabSize, MaxPositionEmbeddings = 2048, AcceptsImages = true };
        var model = new ServedModel(info, ModelText.Load(_model.Path, info));
        var parsed = JsonSerializer.Deserialize<ChatCompletionRequest>(request.ToJsonString(), ApiJson.Options)!;
        var preparer = new ImagePreparer(new ImageFetcher(ImageFetcher.CreateClient(), new ImageInputOptions { AllowRemote = false }));
        return await ChatPlanner.PlanAsync(parsed, model, null, preparer, default);
    }

    private async Task<(GreedyCompletion Completion, int[] ImageTokens)> ReferenceAsync(string python, ChatPlan plan, string[] files)
    {
        string images = string.Join(",", files.Zip(plan.Images, (file, image) => $"{file}@{image.FirstToken}"));
        var (exitCode, output, errors) = await ExternalProgram.RunAsync(python,
            [ExternalProgram.CrossCheckScript("k25_image_reference.py"), _model.Path, string.Join(",", plan.PromptTokenIds), $"{NewTokens}", images],
            ExternalProgram.RepositoryRoot, TimeSpan.FromMinutes(10));
        Assert.True(exitCode == 0, $"k25_image_reference.py failed: {errors}");
        var json = JsonNode.Parse(output)!;
        var tokenizer = Kimi.Cluster.Text.Tokenization.KimiTokenizer.Load(_model.Path);
        var steps = json["top5"]!.AsArray();
        var completion = new GreedyCompletion(
            [.. json["tokens"]!.AsArray().Select(t => (int)t!)],
            [.. steps.Select(step => (double)step![0]![1]!)],
            [.. steps.Select(step => (IReadOnlyDictionary<string, double>)step!.AsArray()
                .ToDictionary(pair => Convert.ToHexString(tokenizer.TokenBytes((int)pair![0]!)), pair => (double)pair![1]!))]);
        return (completion, [.. json["image_tokens"]!.AsArray().Select(n => (int)n!)]);
    }

    /// <summary>The answer's tokens, logprobs and top-5 alternatives, tokens named by their bytes (the reference's ids map to the same).</summary>
    private GreedyCompletion FromChat(JsonNode body)
    {
        var tokenizer = Kimi.Cluster.Text.Tokenization.KimiTokenizer.Load(_model.Path);
        var idOfBytes = new Dictionary<string, int>();
        for (int id = 0; id < tokenizer.VocabSize; id++)
        {
            try
            {
                idOfBytes.TryAdd(Convert.ToHexString(tokenizer.TokenBytes(id)), id);
            }
            catch (ArgumentException)
            {
                // ids without a token (gaps below the vocabulary size)
            }
        }
        var content = body["choices"]![0]!["logprobs"]!["content"]!.AsArray();
        static string Hex(JsonNode entry) => Convert.ToHexString([.. entry["bytes"]!.AsArray().Select(b => (byte)(int)b!)]);
        return new GreedyCompletion(
            [.. content.Select(entry => idOfBytes[Hex(entry!)])],
            [.. content.Select(entry => (double)entry!["logprob"]!)],
            [.. content.Select(entry => (IReadOnlyDictionary<string, double>)entry!["top_logprobs"]!.AsArray()
                .ToDictionary(top => Hex(top!), top => (double)top!["logprob"]!))]);
    }

    /// <summary>A greedy, instant-mode chat request with one user message of these parts (strings are text parts).</summary>
    private static JsonObject Chat(params object[] parts) => new()
    {
        ["messages"] = new JsonArray(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray([.. parts.Select(part => part is string text
                ? new JsonObject { ["type"] = "text", ["text"] = text }
                : ((JsonObject)part).DeepClone())]),
        }),
        ["chat_template_kwargs"] = new JsonObject { ["thinking"] = false },
        ["temperature"] = 0,
        ["max_tokens"] = NewTokens,
        ["logprobs"] = true,
        ["top_logprobs"] = GreedyCompletion.TopCount,
    };

    private static JsonObject Part(string file) => new()
    {
        ["type"] = "image_url",
        ["image_url"] = new JsonObject { ["url"] = "data:image/png;base64," + Convert.ToBase64String(File.ReadAllBytes(file)) },
    };

    /// <summary>A PNG of a gradient with seeded noise (so images of one size differ by seed).</summary>
    private string WritePng(string name, int width, int height, int seed)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 2 + random.Next(40)), (byte)(y * 2 + random.Next(40)), (byte)random.Next(256)));
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        string path = Path.Combine(_images.Path, $"{name}.png");
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private static async Task<JsonNode> AnswerAsync(ClusterUnderTest cluster, JsonObject request)
    {
        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/chat/completions", request);
        Assert.True(status == 200, body.ToJsonString());
        return body;
    }

    private static string? Content(JsonNode body) => (string?)body["choices"]![0]!["message"]!["content"];

    private static async Task<Uri> AttentionMetricsAsync(ClusterUnderTest cluster)
    {
        var (status, health) = await RouterApi.GetAsync(cluster.Http, "/health");
        Assert.Equal(200, status);
        return new Uri((string)health["metrics"]!.AsArray()
            .First(target => ((string)target!["process"]!).StartsWith("attention worker", StringComparison.Ordinal))!["url"]!);
    }

    /// <summary>The attention worker's prefix-cache hit tokens so far.</summary>
    private static async Task<double> PrefixHitsAsync(HttpClient http, Uri metrics)
    {
        // The Prometheus exporter answers from a cache refreshed at most every few hundred ms.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        string text = await http.GetStringAsync(metrics);
        var match = PrefixHits().Match(text);
        Assert.True(match.Success, $"no kimi_prefix_cache_hits in {metrics}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^kimi_prefix_cache_hits\w*(?:\{[^}]*\})? (\S+)", RegexOptions.Multiline)]
    private static partial Regex PrefixHits();
}
