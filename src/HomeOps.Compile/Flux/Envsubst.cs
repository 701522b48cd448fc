using System.Globalization;
using System.Text;

namespace HomeOps.Compile.Flux;

/// <summary>What a substitution source knows about a variable.</summary>
public enum VariableState
{
    /// <summary>No source defines it: Flux substitutes an empty string (an error in strict mode).</summary>
    Undefined,

    /// <summary>A source defines it and its value is in the repository.</summary>
    Known,

    /// <summary>A source defines it, but its value is not in the repository (SOPS-encrypted, an ExternalSecret, a bootstrap template).</summary>
    Unknown,
}

/// <summary>A variable's value as far as the repository tells it.</summary>
public readonly record struct Variable(VariableState State, string Value = "")
{
    public static readonly Variable Undefined = new(VariableState.Undefined);
    public static readonly Variable Unknown = new(VariableState.Unknown);

    public static Variable Of(string value) => new(VariableState.Known, value);
}

/// <summary>The result of substituting one text.</summary>
/// <param name="Text">The substituted text; an expression over a variable of unknown value is kept as written (so "${" marks it).</param>
/// <param name="Unresolved">True when some expression used a variable whose value is unknown.</param>
/// <param name="Undefined">Variables used where no source defines them (besides the default forms ${X:=d}, ${X:-d}, ${X=d}...).</param>
/// <param name="Error">The parse error that makes Flux fail the object, or null.</param>
public sealed record Substitution(string Text, bool Unresolved, IReadOnlyList<string> Undefined, string? Error);

/// <summary>
/// Flux's postBuild variable substitution, a port of fluxcd/pkg envsubst v1.4.0 (commit
/// 7a0e0e2f50d436f415cef495924a4e3bc25bac35; parse/scan.go, parse/parse.go, funcs.go, template.go),
/// which kustomize-controller v1.6 to v1.8 (Flux 2.6 to 2.8) use. Only "${" starts an expression;
/// "$$" is an escaped "$" everywhere in the text; a bare $VAR is text. Supported expressions, as that
/// code implements them (some differ from bash): ${v}, ${#v} (byte length), ${v^} ${v^^} ${v,} ${v,,},
/// ${v:pos} ${v:pos:len} (bytes), ${v#glob} ${v##glob} ${v%glob} ${v%%glob}, ${v/old/new} (first literal),
/// ${v//old/new}, ${v/#old/new}, ${v/%old/new}, and the defaults ${v:=d} ${v:-d} ${v=d} ${v:+d} ${v:?d}
/// (all: d when v is unset or empty). A parse error (${a-b}, ${ .X }, an unclosed ${) fails the object.
/// </summary>
public static class Envsubst
{
    /// <summary>Flux's rule for the names of the variables it is given (kustomize_varsub.go varsubRegex); Go's [:alpha:] is ASCII.</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>True when the text has something substitution would change ("${" or "$$").</summary>
    public static bool Affects(string text) => text.Contains("${", StringComparison.Ordinal) || text.Contains("$$", StringComparison.Ordinal);

    public static Substitution Substitute(string text, Func<string, Variable> lookup)
    {
        Node root;
        try
        {
            root = new Parser(text).Parse();
        }
        catch (EnvsubstParseException e)
        {
            return new Substitution(text, false, [], e.Message);
        }
        var evaluation = new Evaluation(lookup);
        var output = new StringBuilder();
        evaluation.Write(root, output);
        return new Substitution(output.ToString(), evaluation.Unresolved, evaluation.Undefined, null);
    }

    // ----- the syntax tree (parse/node.go) -----

    private abstract record Node;

    private sealed record TextNode(string Value) : Node;

    private sealed record FuncNode(string Param, string Name, IReadOnlyList<Node> Args) : Node;

    private sealed record ListNode(IReadOnlyList<Node> Nodes) : Node;

    private sealed class EnvsubstParseException(string message) : Exception(message);

    private const string BadSubstitution = "bad substitution";
    private const string MissingClosingBrace = "missing closing brace";
    private const string ParseVariableName = "unable to parse variable name";
    private const string ParseFuncSubstitution = "unable to parse substitution within function";
    private const string ParseDefaultFunction = "unable to parse default function";

    // ----- the scanner (parse/scan.go): it edits its buffer to drop escape characters -----

    private enum Token { Illegal, Eof, Ident, Lbrack, Rbrack }

    [Flags]
    private enum Mode { None = 0, Ident = 1, Lbrack = 2, Rbrack = 4, Escape = 8 }

    [Flags]
    private enum Escapes { None = 0, Dollar = 1, Backslash = 2, All = Dollar | Backslash }

    private sealed class Scanner(string text)
    {
        private readonly StringBuilder _buf = new(text);
        private int _pos;
        private int _start;
        private int _width;

        public Mode Mode { get; set; }
        public Escapes EscapeChars { get; set; }
        public Func<char, int, bool> Accept { get; set; } = (_, _) => true;

        private const char Eof = '\0';

        // Go reads runes; every character tested here is ASCII, so UTF-16 units give the same decisions.
        public char Read()
        {
            if (_pos >= _buf.Length)
            {
                _width = 0;
                return Eof;
            }
            _width = 1;
            return _buf[_pos++];
        }

        public void Unread() => _pos -= _width;

        private void Skip() => _buf.Remove(_pos - 1, 1);

        public char Peek()
        {
            var r = Read();
            Unread();
            return r;
        }

        public string Current => _buf.ToString(_start, _pos - _start);

        public Token Scan()
        {
            _start = _pos;
            var r = Read();
            if (r == Eof && _width == 0) return Token.Eof;
            if (ScanLbrack(r)) return Token.Lbrack;
            if (ScanRbrack(r)) return Token.Rbrack;
            if (ScanIdent(r)) return Token.Ident;
            return Token.Illegal;
        }

        private bool ScanIdent(char r)
        {
            if ((Mode & Mode.Ident) == 0) return false;
            if (ScanEscaped(r)) Skip();
            else if (!Accept(r, _pos - _start)) return false;
            while (true)
            {
                r = Read();
                if (r == Eof && _width == 0)
                {
                    Unread();
                    break;
                }
                if (ScanLbrack(r))
                {
                    Unread();
                    Unread();
                    break;
                }
                if (ScanEscaped(r))
                {
                    Skip();
                    continue;
                }
                if (!Accept(r, _pos - _start))
                {
                    Unread();
                    break;
                }
            }
            return true;
        }

        private bool ScanLbrack(char r)
        {
            if ((Mode & Mode.Lbrack) == 0) return false;
            if (r == '$')
            {
                if (Read() == '{') return true;
                Unread();
            }
            return false;
        }

        private bool ScanRbrack(char r) => (Mode & Mode.Rbrack) != 0 && r == '}';

        private bool ScanEscaped(char r)
        {
            if ((Mode & Mode.Escape) == 0) return false;
            if (r == '$' && (EscapeChars & Escapes.Dollar) != 0 && Peek() == '$') return true;
            if (r == '\\' && (EscapeChars & Escapes.Backslash) != 0) return Peek() is '/' or '\\';
            return false;
        }
    }

    // ----- the parser (parse/parse.go) -----

    private sealed class Parser(string text)
    {
        private readonly Scanner _s = new(text);

        private static bool AcceptRune(char r, int i) => true;
        private static bool AcceptIdent(char r, int i) => char.IsLetterOrDigit(r) || r == '_';
        private static bool AcceptColon(char r, int i) => r == ':';
        private static bool AcceptOneHash(char r, int i) => r == '#' && i == 1;
        private static bool AcceptNotClosing(char r, int i) => r != '}';
        private static bool AcceptHashFunc(char r, int i) => r == '#' && i < 3;
        private static bool AcceptPercentFunc(char r, int i) => r == '%' && i < 3;
        private static bool AcceptDefaultFunc(char r, int i) => i == 1 && r == ':' || i == 2 && r is '=' or '-' or '?' or '+';
        private static bool AcceptReplaceFunc(char r, int i) => i == 1 && r == '/' || i == 2 && r is '/' or '#' or '%';
        private static bool AcceptOneEqual(char r, int i) => i == 1 && r == '=';
        private static bool AcceptOneColon(char r, int i) => i == 1 && r == ':';
        private static bool RejectColonClose(char r, int i) => r != ':' && r != '}';
        private static bool AcceptSlash(char r, int i) => r == '/';
        private static bool AcceptNotSlash(char r, int i) => r != '/';
        private static bool AcceptCasingFunc(char r, int i) => r is ',' or '^' && i < 3;

        public Node Parse()
        {
            // parseAny recurses once per text run or expression; a loop gives the same list without deep recursion.
            var nodes = new List<Node>();
            while (true)
            {
                _s.Accept = AcceptRune;
                _s.Mode = Mode.Ident | Mode.Lbrack | Mode.Escape;
                _s.EscapeChars = Escapes.Dollar;
                switch (_s.Scan())
                {
                    case Token.Ident: nodes.Add(new TextNode(_s.Current)); break;
                    case Token.Eof: return nodes.Count == 1 ? nodes[0] : new ListNode(nodes);
                    case Token.Lbrack: nodes.Add(ParseFunc()); break;
                    default: throw new EnvsubstParseException(BadSubstitution);
                }
            }
        }

        private Node ParseFunc()
        {
            _s.EscapeChars = Escapes.All;
            if (_s.Peek() == '#') return ParseLenFunc();
            _s.Accept = AcceptIdent;
            _s.Mode = Mode.Ident;
            if (_s.Scan() != Token.Ident) throw new EnvsubstParseException(ParseVariableName);
            var name = _s.Current;
            switch (_s.Peek())
            {
                case ':': return ParseDefaultOrSubstr(name);
                case '=': return ParseDefaultFunc(name);
                case ',' or '^': return ParseCasingFunc(name);
                case '/': return ParseReplaceFunc(name);
                case '#': return ParseRemoveFunc(name, AcceptHashFunc);
                case '%': return ParseRemoveFunc(name, AcceptPercentFunc);
            }
            _s.Accept = AcceptIdent;
            _s.Mode = Mode.Rbrack;
            return _s.Scan() == Token.Rbrack ? new FuncNode(name, "", []) : throw new EnvsubstParseException(MissingClosingBrace);
        }

        private Node ParseParam(Func<char, int, bool> accept, Mode mode)
        {
            _s.Accept = accept;
            _s.Mode = mode | Mode.Lbrack;
            return _s.Scan() switch
            {
                Token.Lbrack => ParseFunc(),
                Token.Ident or Token.Rbrack => new TextNode(_s.Current),
                _ => throw new EnvsubstParseException(ParseFuncSubstitution),
            };
        }

        private Node ParseDefaultOrSubstr(string name)
        {
            _s.Read();
            var r = _s.Peek();
            _s.Unread();
            return r is '=' or '-' or '?' or '+' ? ParseDefaultFunc(name) : ParseSubstrFunc(name);
        }

        private Node ParseSubstrFunc(string name)
        {
            _s.Accept = AcceptOneColon;
            _s.Mode = Mode.Ident;
            if (_s.Scan() != Token.Ident) throw new EnvsubstParseException(BadSubstitution);
            var function = _s.Current;
            var args = new List<Node> { ParseParam(RejectColonClose, Mode.Ident) };
            _s.Accept = AcceptColon;
            _s.Mode = Mode.Ident | Mode.Rbrack;
            switch (_s.Scan())
            {
                case Token.Rbrack: return new FuncNode(name, function, args);
                case Token.Ident: break;
                default: throw new EnvsubstParseException(BadSubstitution);
            }
            args.Add(ParseParam(AcceptNotClosing, Mode.Ident));
            ConsumeRbrack();
            return new FuncNode(name, function, args);
        }

        private Node ParseRemoveFunc(string name, Func<char, int, bool> accept)
        {
            _s.Accept = accept;
            _s.Mode = Mode.Ident;
            if (_s.Scan() != Token.Ident) throw new EnvsubstParseException(BadSubstitution);
            var function = _s.Current;
            var args = new List<Node> { ParseParam(AcceptNotClosing, Mode.Ident) };
            ConsumeRbrack();
            return new FuncNode(name, function, args);
        }

        private Node ParseReplaceFunc(string name)
        {
            _s.Accept = AcceptReplaceFunc;
            _s.Mode = Mode.Ident;
            if (_s.Scan() != Token.Ident) throw new EnvsubstParseException(BadSubstitution);
            var function = _s.Current;
            var args = new List<Node> { ParseParam(AcceptNotSlash, Mode.Ident | Mode.Escape) };
            _s.Accept = AcceptSlash;
            _s.Mode = Mode.Ident;
            if (_s.Scan() != Token.Ident) throw new EnvsubstParseException(BadSubstitution);
            if (_s.Peek() == '}')
            {
                ConsumeRbrack();
                return new FuncNode(name, function, args);
            }
            args.Add(ParseParam(AcceptNotClosing, Mode.Ident | Mode.Escape));
            ConsumeRbrack();
            return new FuncNode(name, function, args);
        }

        private Node ParseDefaultFunc(string name)
        {
            _s.Accept = _s.Peek() == '=' ? AcceptOneEqual : AcceptDefaultFunc;
            _s.Mode = Mode.Ident;
            if (_s.Scan() != Token.Ident) throw new EnvsubstParseException(ParseDefaultFunction);
            var function = _s.Current;
            var args = new List<Node>();
            while (true)
            {
                if (_s.Peek() == '}')
                {
                    ConsumeRbrack();
                    return new FuncNode(name, function, args);
                }
                args.Add(ParseParam(AcceptNotClosing, Mode.Ident));
            }
        }

        private Node ParseCasingFunc(string name)
        {
            _s.Accept = AcceptCasingFunc;
            _s.Mode = Mode.Ident;
            if (_s.Scan() != Token.Ident) throw new EnvsubstParseException(BadSubstitution);
            var function = _s.Current;
            ConsumeRbrack();
            return new FuncNode(name, function, []);
        }

        private Node ParseLenFunc()
        {
            _s.Accept = AcceptOneHash;
            _s.Mode = Mode.Ident;
            if (_s.Scan() != Token.Ident) throw new EnvsubstParseException(BadSubstitution);
            var function = _s.Current;
            _s.Accept = AcceptIdent;
            _s.Mode = Mode.Ident;
            if (_s.Scan() != Token.Ident) throw new EnvsubstParseException(BadSubstitution);
            var param = _s.Current;
            ConsumeRbrack();
            return new FuncNode(param, function, []);
        }

        private void ConsumeRbrack()
        {
            _s.Mode = Mode.Rbrack;
            if (_s.Scan() != Token.Rbrack) throw new EnvsubstParseException(BadSubstitution);
        }
    }

    // ----- evaluation (template.go, funcs.go) -----

    /// <summary>The default functions: they never read an unset variable as a problem.</summary>
    private static bool IsDefault(string function) => function is "=" or ":=" or ":-" or ":?" or ":+" or "-" or "+";

    private sealed class Evaluation(Func<string, Variable> lookup)
    {
        private readonly List<string> _undefined = [];

        public bool Unresolved { get; private set; }

        public IReadOnlyList<string> Undefined => _undefined;

        public void Write(Node node, StringBuilder output)
        {
            switch (node)
            {
                case TextNode text: output.Append(text.Value); break;
                case ListNode list:
                    foreach (var child in list.Nodes) Write(child, output);
                    break;
                case FuncNode function: output.Append(Evaluate(function)); break;
            }
        }

        private string Evaluate(FuncNode node)
        {
            var args = new List<string>();
            var argsUnknown = false;
            foreach (var arg in node.Args)
            {
                var outer = Unresolved;
                Unresolved = false;
                var text = new StringBuilder();
                Write(arg, text);
                argsUnknown |= Unresolved;
                Unresolved = outer;
                args.Add(text.ToString());
            }
            var variable = lookup(node.Param);
            var isDefault = IsDefault(node.Name);
            if (variable.State == VariableState.Undefined && !isDefault && !_undefined.Contains(node.Param)) _undefined.Add(node.Param);
            var resolved = variable.State switch
            {
                // the default of a variable with a value is never used
                VariableState.Known => !argsUnknown || isDefault && variable.Value.Length > 0,
                VariableState.Undefined => !argsUnknown,
                _ => false,
            };
            if (!resolved)
            {
                Unresolved = true;
                return Source(node);
            }
            return Apply(node.Name, variable.Value, args);
        }

        /// <summary>The expression written back, so that an unresolved value still shows "${".</summary>
        private static string Source(FuncNode node) => node.Name switch
        {
            "#" when node.Args.Count == 0 => $"${{#{node.Param}}}",
            _ => $"${{{node.Param}{node.Name}{string.Join(node.Name.StartsWith('/') ? "/" : node.Name == ":" ? ":" : "", node.Args.Select(Source))}}}",
        };

        private static string Source(Node node) => node switch
        {
            TextNode text => text.Value,
            ListNode list => string.Concat(list.Nodes.Select(Source)),
            FuncNode function => Source(function),
            _ => "",
        };
    }

    private static string Apply(string function, string s, IReadOnlyList<string> args) => function switch
    {
        "," => s.Length == 0 ? s : FirstRune(s, lower: true),
        ",," => s.ToLowerInvariant(),
        "^" => s.Length == 0 ? s : FirstRune(s, lower: false),
        "^^" => s.ToUpperInvariant(),
        "#" when args.Count == 0 => Encoding.UTF8.GetByteCount(s).ToString(CultureInfo.InvariantCulture),
        "#" => TrimShortestPrefix(s, args[0]),
        "##" => TrimLongestPrefix(s, args[0]),
        "%" => args.Count == 0 ? s : Reverse(TrimShortestPrefix(Reverse(s), Reverse(args[0]))),
        "%%" => args.Count == 0 ? s : Reverse(TrimLongestPrefix(Reverse(s), Reverse(args[0]))),
        ":" => Substring(s, args),
        "/#" => args.Count == 2 && s.StartsWith(args[0], StringComparison.Ordinal) ? ReplaceFirst(s, args[0], args[1]) : s,
        "/%" => args.Count == 2 && s.EndsWith(args[0], StringComparison.Ordinal) ? s[..^args[0].Length] + args[1] : s,
        "/" => args.Count == 0 ? s : ReplaceFirst(s, args[0], args.Count > 1 ? args[1] : ""),
        "//" => args.Count == 0 ? s : ReplaceAll(s, args[0], args.Count > 1 ? args[1] : ""),
        _ => s.Length == 0 && args.Count > 0 ? string.Concat(args) : s,
    };

    private static string FirstRune(string s, bool lower)
    {
        var rune = Rune.GetRuneAt(s, 0);
        var changed = lower ? Rune.ToLowerInvariant(rune) : Rune.ToUpperInvariant(rune);
        return changed + s[rune.Utf16SequenceLength..];
    }

    /// <summary>Go's strings.Replace with n = 1 (an empty old string inserts at the start).</summary>
    private static string ReplaceFirst(string s, string old, string replacement)
    {
        var at = s.IndexOf(old, StringComparison.Ordinal);
        return at < 0 ? s : s[..at] + replacement + s[(at + old.Length)..];
    }

    /// <summary>Go's strings.Replace with n = -1 (an empty old string goes between every rune).</summary>
    private static string ReplaceAll(string s, string old, string replacement) =>
        old.Length > 0 ? s.Replace(old, replacement, StringComparison.Ordinal)
            : replacement + string.Concat(s.EnumerateRunes().Select(r => r + replacement));

    /// <summary>${v:pos} and ${v:pos:len} over UTF-8 bytes, as Go slices strings.</summary>
    private static string Substring(string s, IReadOnlyList<string> args)
    {
        if (args.Count == 0 || !int.TryParse(args[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var pos)) return s;
        var bytes = Encoding.UTF8.GetBytes(s);
        if (pos < 0) pos = Math.Max(0, bytes.Length + pos);
        if (args.Count == 1) return pos < bytes.Length ? Encoding.UTF8.GetString(bytes, pos, bytes.Length - pos) : "";
        if (!int.TryParse(args[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var length)) return s;
        // Go panics on a negative length (slice bounds out of range): the controller recovers and fails the object.
        if (length < 0) return "";
        if (pos + length >= bytes.Length) return pos < bytes.Length ? Encoding.UTF8.GetString(bytes, pos, bytes.Length - pos) : "";
        return Encoding.UTF8.GetString(bytes, pos, length);
    }

    private static string TrimShortestPrefix(string s, string pattern)
    {
        string? shortest = null;
        for (var i = 0; i < s.Length; i++)
        {
            var candidate = s[..(s.Length - i)];
            var match = GlobMatch.Match(pattern, candidate);
            if (match is null) return s;
            if (match == true) shortest = candidate;
        }
        return string.IsNullOrEmpty(shortest) ? s : s[shortest.Length..];
    }

    private static string TrimLongestPrefix(string s, string pattern)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var candidate = s[..(s.Length - i)];
            var match = GlobMatch.Match(pattern, candidate);
            if (match is null) return s;
            if (match == true) return s[candidate.Length..];
        }
        return s;
    }

    private static string Reverse(string s) => string.Concat(s.EnumerateRunes().Reverse().Select(r => r.ToString()));
}
