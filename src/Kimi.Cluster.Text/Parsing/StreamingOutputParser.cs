using System.Text;
using static Kimi.Cluster.Text.Parsing.KimiMarkers;

namespace Kimi.Cluster.Text.Parsing;

/// <summary>
/// The streaming form of <see cref="KimiOutputParser"/>: text arrives in arbitrary chunks and
/// each chunk yields the deltas that are certain now. Text that may be the start of a marker is
/// held back until it is not; whatever the split, the deltas add up to the whole parse (which is
/// this parser fed the whole text at once). Edge cases are documented on <see cref="KimiOutputParser"/>.
/// </summary>
/// <remarks>
/// A tool call's first delta (Index, Id, Name) comes at &lt;|tool_call_argument_begin|&gt;, when
/// the id is complete; its arguments follow as fragments, leading whitespace dropped and trailing
/// whitespace held back until more text shows it is not trailing. Held-back text always starts at
/// a '&lt;' or a whitespace character, so the parser never splits a surrogate pair that the
/// chunks themselves did not split.
/// </remarks>
public sealed class StreamingOutputParser(OutputParserOptions options)
{
    private enum State { Start, Reasoning, Content, Section, CallId, Arguments, SkippedCall }

    private readonly StringBuilder _id = new();
    private string _buffer = "";
    private State _state = State.Start;
    private string _heldWhitespace = "";
    private bool _argumentsStarted;
    private int _callCount;
    private bool _finished;

    public OutputParserOptions Options { get; } = options;

    /// <summary>Whether a reasoning block was opened (so reasoning_content is "" rather than absent).</summary>
    internal bool ReasoningOpened { get; private set; } = options.StartsInReasoning;

    public OutputDelta Push(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ThrowIfFinished();
        _buffer += text;
        return Run(final: false);
    }

    /// <summary>The generation ended: returns what was held back. Later calls throw.</summary>
    public OutputDelta Finish()
    {
        ThrowIfFinished();
        var delta = Run(final: true);
        _finished = true;
        return delta;
    }

    private void ThrowIfFinished()
    {
        if (_finished)
            throw new InvalidOperationException("The generation was already finished; use a new parser for the next one.");
    }

    private OutputDelta Run(bool final)
    {
        var output = new DeltaBuilder();
        // Each step consumes input or changes state; false means it needs more text.
        while (_state == State.Start ? DecideStart(final) : Scan(output, final))
        {
        }
        return output.Build();
    }

    /// <summary>
    /// Leading whitespace then "&lt;think&gt;" opens reasoning (both dropped), also when the prompt
    /// already opened it (K2.5's generation prompt ends with "&lt;think&gt;", and a model may write
    /// the tag again: it must not reach reasoning_content). Otherwise the output starts as
    /// reasoning when the prompt opened it, as content when not.
    /// </summary>
    private bool DecideStart(bool final)
    {
        var rest = _buffer.AsSpan().TrimStart();
        if (rest.StartsWith(ThinkBegin, StringComparison.Ordinal))
        {
            _buffer = _buffer[(_buffer.Length - rest.Length + ThinkBegin.Length)..];
            (_state, ReasoningOpened) = (State.Reasoning, true);
            return true;
        }
        if (!final && ThinkBegin.AsSpan().StartsWith(rest, StringComparison.Ordinal))
            return false;
        _state = Options.StartsInReasoning ? State.Reasoning : State.Content;
        return true;
    }

    /// <summary>Emits the text before the next marker and acts on it; false when the buffer is used up.</summary>
    private bool Scan(DeltaBuilder output, bool final)
    {
        var markers = _state == State.Reasoning ? ReasoningMarkers : ToolMarkers;
        var (position, marker) = FindFirst(_buffer, markers);
        if (marker is null)
        {
            var safe = final ? _buffer.Length : SafeLength(_buffer, markers);
            Emit(_buffer[..safe], output);
            _buffer = _buffer[safe..];
            return false;
        }
        Emit(_buffer[..position], output);
        _buffer = _buffer[(position + marker.Length)..];
        OnMarker(marker, output);
        return true;
    }

    private void Emit(string text, DeltaBuilder output)
    {
        switch (_state)
        {
            case State.Reasoning: output.AddReasoning(text); break;
            case State.Content: output.AddContent(text); break;
            case State.CallId: _id.Append(text); break;
            case State.Arguments: EmitArguments(text, output); break;
            default: break; // between calls in a section, or the arguments of a call that was dropped
        }
    }

    private void EmitArguments(string text, DeltaBuilder output)
    {
        if (!_argumentsStarted)
        {
            text = text.TrimStart();
            _argumentsStarted = text.Length > 0;
        }
        text = _heldWhitespace + text;
        var end = text.AsSpan().TrimEnd().Length;
        output.AddArguments(_callCount - 1, text[..end]);
        _heldWhitespace = text[end..];
    }

    /// <summary>Moves between states; a marker that means nothing where it stands is dropped.</summary>
    private void OnMarker(string marker, DeltaBuilder output)
    {
        _state = (_state, marker) switch
        {
            (State.Reasoning, ThinkEnd) => State.Content,
            (State.Reasoning or State.Content, SectionBegin) => Options.ParseToolCalls ? State.Section : State.Content,
            (State.Section, CallBegin) => BeginCall(),
            (State.Section, SectionEnd) => State.Content,
            (State.CallId, ArgumentBegin) => BeginArguments(output),
            (State.CallId or State.Arguments or State.SkippedCall, CallBegin) => BeginCall(),
            (State.CallId or State.Arguments or State.SkippedCall, CallEnd) => State.Section,
            (State.CallId or State.Arguments or State.SkippedCall, SectionEnd) => State.Content,
            _ => _state,
        };
    }

    private State BeginCall()
    {
        _id.Clear();
        return State.CallId;
    }

    private State BeginArguments(DeltaBuilder output)
    {
        if (!ToolCallId.TryParse(_id.ToString(), out var id, out var name))
            return State.SkippedCall;
        output.AddCall(_callCount++, id, name);
        (_heldWhitespace, _argumentsStarted) = ("", false);
        return State.Arguments;
    }
}
