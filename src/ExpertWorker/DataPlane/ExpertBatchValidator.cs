using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.DataPlane;

namespace Kimi.Cluster.ExpertWorker.DataPlane;

/// <summary>Checks an ExpertBatch's framing against the model before any compute, naming what is wrong.</summary>
public static class ExpertBatchValidator
{
    public static void Validate(ExpertBatch batch, ModelConfig config)
    {
        string at = $"call {batch.CallId}, layer {batch.Layer}";
        if (batch.Dtype is not (ActivationDType.Float32 or ActivationDType.Bfloat16))
            Fail($"{at}: dtype {batch.Dtype} is not supported (float32 or bfloat16)");
        if (batch.HiddenSize != config.HiddenSize)
            Fail($"{at}: hidden_size {batch.HiddenSize} does not match the model's {config.HiddenSize}");
        if (batch.Layer >= config.NumHiddenLayers || !config.IsMoeLayer((int)batch.Layer))
            Fail($"{at}: layer {batch.Layer} is not a MoE layer of this model");
        int valueBytes = batch.Dtype == ActivationDType.Bfloat16 ? ActivationCodec.BFloat16Size : sizeof(float);
        long tokens = batch.PairsPerToken.Count, expectedBytes = tokens * config.HiddenSize * valueBytes;
        if (batch.Hidden.Length != expectedBytes)
            Fail($"{at}: hidden has {batch.Hidden.Length} bytes, {tokens} tokens × {config.HiddenSize} {batch.Dtype} need {expectedBytes}");
        long pairs = batch.PairsPerToken.Sum(p => (long)p);
        if (batch.ExpertIds.Count != pairs || batch.GateWeights.Length != pairs * sizeof(float))
            Fail($"{at}: {pairs} pairs per pairs_per_token, but {batch.ExpertIds.Count} expert ids and {batch.GateWeights.Length / sizeof(float)} gate weights");
        if (batch.ExpertIds.FirstOrDefault(e => e >= config.NRoutedExperts, uint.MaxValue) is var bad && bad != uint.MaxValue)
            Fail($"{at}: unknown expert id {bad} (the model has {config.NRoutedExperts})");
    }

    private static void Fail(string message) => throw new RpcException(new Status(StatusCode.InvalidArgument, message));
}
