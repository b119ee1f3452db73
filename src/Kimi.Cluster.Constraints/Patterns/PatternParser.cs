using System.Globalization;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// Reads a JSON Schema <c>pattern</c> (ECMA-262 syntax) into <see cref="PatternBranch"/>es. Only
/// the regular part of the language is read, and every construct is given the meaning that is a
/// subset of both ECMAScript's and .NET's (the validators' dialects), so that any string the
/// grammar builds from it matches in either: \d, \w and \s are their ASCII sets, a negated class
/// that holds one of them matches ASCII only, and '.' and negated classes match one BMP
/// character. Constructs that are not regular or that the dialects read differently (back
/// references, look-around, \b, flags, class subtraction, escapes of letters that mean different
/// things) throw <see cref="PatternNotSupportedException"/> with the reason.
/// </summary>
internal sealed class PatternParser
{
    private const int MaxRepeatCount = 1000;
    private readonly string _text;
    private int _position;

    private PatternParser(string text) => _text = text;

    public static IReadOnlyList<PatternBranch> Parse(string pattern)
    {
        var parser = new PatternParser(pattern);
        var branches = parser.ReadTopLevel();
        if (parser._position < pattern.Length)
            throw parser.Error($"unbalanced '{pattern[parser._position]}'");
        return branches;
    }

    private bool AtEnd => _position >= _text.Length;

    private char Current => _text[_position];

    private List<PatternBranch> ReadTopLevel()
    {
        var branches = new List<PatternBranch>();
        while (true)
        {
            bool start = TryTake('^');
            var parts = ReadSequenceParts(topLevel: true);
            bool end = TryTake('$');
            if (!AtEnd && Current is not '|' and not ')')
                throw Error($"'^' and '$' are supported only at the start and the end of the pattern or of one of its top-level alternatives (position {_position})");
            branches.Add(new PatternBranch(new PatternSyntax.Sequence(parts), start, end));
            if (!TryTake('|'))
                return branches;
        }
    }

    private PatternSyntax ReadDisjunction()
    {
        var alternatives = new List<PatternSyntax> { new PatternSyntax.Sequence(ReadSequenceParts(topLevel: false)) };
        while (TryTake('|'))
            alternatives.Add(new PatternSyntax.Sequence(ReadSequenceParts(topLevel: false)));
        return alternatives.Count == 1 ? alternatives[0] : new PatternSyntax.Choice(alternatives);
    }

    private List<PatternSyntax> ReadSequenceParts(bool topLevel)
    {
        var parts = new List<PatternSyntax>();
        while (!AtEnd && Current is not '|' and not ')')
        {
            if (Current == '$' && topLevel && (_position + 1 == _text.Length || _text[_position + 1] is '|' or ')'))
                break; // the branch's end anchor, taken by the caller
            if (Current is '^' or '$')
                throw Error($"'^' and '$' are supported only at the start and the end of the pattern or of one of its top-level alternatives (position {_position})");
            var atom = ReadAtom();
            parts.Add(ReadQuantifier(atom));
        }
        return parts;
    }

    private PatternSyntax ReadAtom()
    {
        char c = Current;
        switch (c)
        {
            case '.':
                _position++;
                return new PatternSyntax.Characters(CodePointSet.Dot);
            case '(':
                _position++;
                ReadGroupOpening();
                var inner = ReadDisjunction();
                if (!TryTake(')'))
                    throw Error("a group is not closed");
                return inner;
            case '[':
                return new PatternSyntax.Characters(ReadClass());
            case '\\':
                return new PatternSyntax.Characters(ReadEscape(inClass: false));
            case '*' or '+' or '?':
                throw Error($"'{c}' has nothing to repeat (position {_position})");
            case '{' when TryReadBraces(out _, out _, consume: false):
                throw Error($"a quantifier has nothing to repeat (position {_position})");
            default:
                _position++;
                return new PatternSyntax.Characters(CodePointSet.Single(Literal(c)));
        }
    }

    private void ReadGroupOpening()
    {
        if (!TryTake('?'))
            return; // a capturing group: captures do not change what matches
        if (TryTake(':'))
            return;
        if (TryTake('<') && !AtEnd && Current is not '=' and not '!')
        {
            int close = _text.IndexOf('>', _position);
            if (close < 0 || !_text.AsSpan(_position, close - _position).ToString().All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_') || close == _position)
                throw Error("a named group's name is malformed");
            _position = close + 1;
            return;
        }
        throw Error("look-around assertions, inline flags and other '(?' groups are not supported");
    }

    private PatternSyntax ReadQuantifier(PatternSyntax atom)
    {
        if (AtEnd)
            return atom;
        int min;
        int? max;
        switch (Current)
        {
            case '*': _position++; (min, max) = (0, null); break;
            case '+': _position++; (min, max) = (1, null); break;
            case '?': _position++; (min, max) = (0, 1); break;
            case '{' when TryReadBraces(out min, out max, consume: true): break;
            default: return atom;
        }
        TryTake('?'); // a lazy quantifier matches the same strings
        if (!AtEnd && Current is '*' or '+' or '?' || (!AtEnd && Current == '{' && TryReadBraces(out _, out _, consume: false)))
            throw Error($"a quantifier follows a quantifier (position {_position})");
        if (max is { } m && m < min)
            throw Error("a quantifier's range is out of order");
        if (min > MaxRepeatCount || max > MaxRepeatCount)
            throw Error($"repeat counts above {MaxRepeatCount} are not supported");
        return new PatternSyntax.Repeat(atom, min, max);
    }

    /// <summary>{n}, {n,} or {n,m}; anything else is not a quantifier (then '{' is a literal, as both dialects read it).</summary>
    private bool TryReadBraces(out int min, out int? max, bool consume)
    {
        min = 0;
        max = null;
        int close = _text.IndexOf('}', _position);
        if (close < 0)
            return false;
        string body = _text[(_position + 1)..close];
        string[] parts = body.Split(',');
        if (parts.Length > 2 || !IsCount(parts[0]) || (parts.Length == 2 && parts[1].Length > 0 && !IsCount(parts[1])))
            return false;
        min = Count(parts[0]);
        max = parts.Length == 1 ? min : parts[1].Length == 0 ? null : Count(parts[1]);
        if (consume)
            _position = close + 1;
        return true;
    }

    private static bool IsCount(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);

    private static int Count(string digits) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : int.MaxValue;

    private CodePointSet ReadClass()
    {
        _position++; // '['
        bool negated = TryTake('^');
        if (!AtEnd && Current == ']')
            throw Error("a ']' first in a character class (or an empty class) reads differently across regex dialects; write \\]");
        var members = CodePointSet.Empty;
        bool hasClassEscape = false;
        while (true)
        {
            if (AtEnd)
                throw Error("a character class is not closed");
            if (TryTake(']'))
                break;
            if (Current == '[')
                throw Error("'[' inside a character class reads differently across regex dialects (.NET reads '-[' as class subtraction); write \\[");
            var (first, firstIsSet) = ReadClassAtom();
            if (!AtEnd && Current == '-' && _position + 1 < _text.Length && _text[_position + 1] != ']')
            {
                _position++;
                if (Current == '[')
                    throw Error("character class subtraction is not supported");
                var (last, lastIsSet) = ReadClassAtom();
                if (firstIsSet || lastIsSet)
                    throw Error("a range in a character class must be between two characters");
                int lo = first.Ranges[0].First, hi = last.Ranges[0].First;
                if (lo > hi)
                    throw Error("a range in a character class is out of order");
                members = members.Union(CodePointSet.Of((lo, hi)));
                continue;
            }
            hasClassEscape |= firstIsSet;
            members = members.Union(first);
        }
        if (!negated)
            return members;
        // \d, \w and \s mean more in .NET than in ECMAScript; their complement is only sure in ASCII.
        return members.ComplementWithin(hasClassEscape ? CodePointSet.Ascii : CodePointSet.Bmp);
    }

    /// <summary>One member of a class: a single character, or a class escape (IsSet).</summary>
    private (CodePointSet Set, bool IsSet) ReadClassAtom()
    {
        char c = Current;
        if (c != '\\')
        {
            _position++;
            return (CodePointSet.Single(Literal(c)), false);
        }
        char letter = _position + 1 < _text.Length ? _text[_position + 1] : '\0';
        if (letter == 'b')
        {
            _position += 2;
            return (CodePointSet.Single('\b'), false); // backspace inside a class, in both dialects
        }
        bool isSet = letter is 'd' or 'D' or 'w' or 'W' or 's' or 'S';
        return (ReadEscape(inClass: true), isSet);
    }

    private CodePointSet ReadEscape(bool inClass)
    {
        _position++; // '\'
        if (AtEnd)
            throw Error("the pattern ends with a lone '\\'");
        char c = Current;
        _position++;
        switch (c)
        {
            case 'd': return CodePointSet.Digits;
            case 'D': return CodePointSet.Digits.ComplementWithin(CodePointSet.Ascii);
            case 'w': return CodePointSet.WordCharacters;
            case 'W': return CodePointSet.WordCharacters.ComplementWithin(CodePointSet.Ascii);
            case 's': return CodePointSet.Spaces;
            case 'S': return CodePointSet.Spaces.ComplementWithin(CodePointSet.Ascii);
            case 't': return CodePointSet.Single('\t');
            case 'n': return CodePointSet.Single('\n');
            case 'r': return CodePointSet.Single('\r');
            case 'v': return CodePointSet.Single('\v');
            case 'f': return CodePointSet.Single('\f');
            case '0' when AtEnd || !char.IsAsciiDigit(Current): return CodePointSet.Single(0);
            case 'x': return CodePointSet.Single(Literal((char)Hex(2)));
            case 'u': return CodePointSet.Single(Literal((char)Hex(4)));
            case 'b' or 'B' when !inClass: throw Error("word-boundary assertions (\\b, \\B) are not supported");
            case >= '1' and <= '9': throw Error("back references are not supported");
            case 'k': throw Error("named back references are not supported");
            case 'p' or 'P': throw Error("Unicode property escapes are not supported");
            case 'c': throw Error("control escapes (\\c) are not supported");
            default:
                if (char.IsAsciiLetterOrDigit(c))
                    throw Error($"the escape '\\{c}' means different things across regex dialects");
                return CodePointSet.Single(Literal(c));
        }
    }

    private int Hex(int digits)
    {
        if (_position + digits > _text.Length
            || !int.TryParse(_text.AsSpan(_position, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value))
            throw Error($"a hex escape needs {digits} hex digits");
        _position += digits;
        return value;
    }

    /// <summary>A character matched as itself; UTF-16 surrogates (characters beyond the BMP, or lone halves) are refused.</summary>
    private int Literal(char c) =>
        char.IsSurrogate(c) ? throw Error("characters beyond the Basic Multilingual Plane in a pattern are not supported") : c;

    private bool TryTake(char c)
    {
        if (AtEnd || Current != c)
            return false;
        _position++;
        return true;
    }

    private PatternNotSupportedException Error(string reason) => new(reason);
}

/// <summary>A pattern the grammar cannot enforce, with the reason.</summary>
internal sealed class PatternNotSupportedException(string reason) : Exception(reason);
