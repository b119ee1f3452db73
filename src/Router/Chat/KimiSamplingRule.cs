using Kimi.Cluster.Router.Api;

namespace Kimi.Cluster.Router.Chat;

/// <summary>
/// Moonshot's vendor rule for K2.5 (--enforce-kimi-sampling): its sampling parameters are fixed.
/// A chat request may leave them out or give the fixed values (temperature 1.0 with thinking and
/// 0.6 without, top_p 0.95, presence and frequency penalty 0, n 1); any other value is refused
/// with a 400 naming it.
/// </summary>
public static class KimiSamplingRule
{
    public const float ThinkingTemperature = 1.0f;
    public const float InstantTemperature = 0.6f;
    public const float TopP = 0.95f;

    public static void Check(ChatCompletionRequest request, bool thinking)
    {
        ArgumentNullException.ThrowIfNull(request);
        Require("temperature", request.Temperature, thinking ? ThinkingTemperature : InstantTemperature,
            thinking ? " with thinking" : " without thinking");
        Require("top_p", request.TopP, TopP, "");
        Require("presence_penalty", request.PresencePenalty, 0f, "");
        Require("frequency_penalty", request.FrequencyPenalty, 0f, "");
        if (request.N is { } n && n != 1)
            throw Refusal("n", n.ToString(System.Globalization.CultureInfo.InvariantCulture), "1", "");
    }

    private static void Require(string param, float? given, float fixedValue, string when)
    {
        // JSON numbers arrive as float: 0.6 is 0.6f, so equality within a float's rounding.
        if (given is { } value && Math.Abs(value - fixedValue) > 1e-6f)
            throw Refusal(param, Format(value), Format(fixedValue), when);
    }

    private static ApiException Refusal(string param, string given, string fixedValue, string when) =>
        ApiException.InvalidRequest(
            $"{param} is fixed at {fixedValue}{when} for this model (Kimi K2.5's sampling; the server enforces it); got {given}", param);

    private static string Format(float value) => value.ToString("0.0##", System.Globalization.CultureInfo.InvariantCulture);
}
