using System.Globalization;
using System.Text;

namespace HomeOps.Compile.Talhelper.Templates;

/// <summary>A template that does not parse or does not run; the message says where in the template.</summary>
public sealed class TemplateException(string message) : Exception(message);

/// <summary>
/// Go's text/template language, as talhelper uses it for nodeLabels/nodeAnnotations, patches, extraManifests and the image
/// URL templates (Go text/template + Masterminds sprig): actions with trim markers, comments, pipelines, variables,
/// if/else if/else, range (with $i, $v), with, and the builtin and sprig functions in <see cref="TemplateFunctions"/>.
/// Data is plain .NET values (string, bool, long, double, null, lists, string-keyed maps) or an <see cref="ITemplateObject"/>
/// (a Go struct: fields by Go name). Not supported: define/template/block and method calls; they are parse errors.
/// </summary>
public sealed class GoTemplate
{
    private readonly List<Node> _nodes;
    private readonly string _name;

    private GoTemplate(string name, List<Node> nodes) => (_name, _nodes) = (name, nodes);

    /// <summary>True when talhelper would treat <paramref name="text"/> as a template (templating.IsStringATemplate).</summary>
    public static bool IsTemplate(string text) => text.Contains("{{", StringComparison.Ordinal) || text.Contains("}}", StringComparison.Ordinal);

    public static GoTemplate Parse(string name, string text) => new(name, new Parser(name, text).ParseAll());

    public string Execute(object? data)
    {
        var output = new StringBuilder();
        var scope = new Scope(null);
        scope.Set("$", data);
        new Evaluator(_name, output).Run(_nodes, data, scope);
        return output.ToString();
    }

    /// <summary>Parses and runs in one go.</summary>
    public static string Render(string name, string text, object? data) => Parse(name, text).Execute(data);

    // ---------------- syntax tree ----------------

    internal abstract record Node(int Line);

    internal sealed record TextNode(int Line, string Text) : Node(Line);

    internal sealed record ActionNode(int Line, Pipeline Pipeline) : Node(Line);

    internal sealed record IfNode(int Line, Pipeline Condition, List<Node> Then, List<Node>? Else, bool IsWith) : Node(Line);

    internal sealed record RangeNode(int Line, Pipeline Pipeline, List<Node> Body, List<Node>? Else) : Node(Line);

    internal sealed record ControlNode(int Line, string Keyword) : Node(Line);

    internal sealed record Pipeline(List<string> Declared, bool Assign, List<Command> Commands);

    internal sealed record Command(List<Operand> Args);

    internal abstract record Operand;

    internal sealed record Literal(object? Value) : Operand;

    internal sealed record FieldChain(Operand? Receiver, List<string> Fields) : Operand; // Receiver null: "."

    internal sealed record Variable(string Name, List<string> Fields) : Operand;

    internal sealed record Function(string Name) : Operand;

    internal sealed record SubPipeline(Pipeline Pipeline, List<string> Fields) : Operand;

    private sealed class BreakSignal : Exception;

    private sealed class ContinueSignal : Exception;

    // ---------------- parser ----------------

    private sealed class Parser(string name, string text)
    {
        private int _pos;
        private int _line = 1;

        private TemplateException Error(string message) => new($"template {name}:{_line}: {message}");

        public List<Node> ParseAll()
        {
            var nodes = ParseList(out var end);
            if (end is not null) throw Error($"unexpected {{{{{end}}}}}");
            return nodes;
        }

        /// <summary>Parses until end of input or an {{end}}/{{else ...}}; <paramref name="terminator"/> says which.</summary>
        private List<Node> ParseList(out string? terminator)
        {
            var nodes = new List<Node>();
            terminator = null;
            while (_pos < text.Length)
            {
                var open = text.IndexOf("{{", _pos, StringComparison.Ordinal);
                var literal = open < 0 ? text[_pos..] : text[_pos..open];
                var trimRight = open >= 0 && open + 3 < text.Length && text[open + 2] == '-' && IsSpace(text[open + 3]);
                if (trimRight) literal = literal.TrimEnd(' ', '\t', '\r', '\n');
                if (literal.Length > 0) nodes.Add(new TextNode(_line, literal));
                _line += CountLines(open < 0 ? text[_pos..] : text[_pos..open]);
                if (open < 0)
                {
                    _pos = text.Length;
                    break;
                }
                _pos = open + 2 + (trimRight ? 2 : 0);
                // comment
                var rest = text.AsSpan(_pos).TrimStart();
                if (rest.StartsWith("/*", StringComparison.Ordinal))
                {
                    var close = text.IndexOf("*/", _pos, StringComparison.Ordinal);
                    if (close < 0) throw Error("unclosed comment");
                    var after = text.IndexOf("}}", close, StringComparison.Ordinal);
                    if (after < 0) throw Error("unclosed action");
                    var trimComment = text[(close + 2)..after].Trim() == "-";
                    _line += CountLines(text[_pos..(after + 2)]);
                    _pos = after + 2;
                    if (trimComment) SkipSpace();
                    continue;
                }
                var tokens = Lex(out var trimLeft);
                if (tokens.Count == 0) throw Error("missing value for command");
                var keyword = tokens[0].Kind == TokenKind.Ident ? tokens[0].Text : null;
                var line = _line;
                switch (keyword)
                {
                    case "end":
                        terminator = "end";
                        if (trimLeft) SkipSpace();
                        return nodes;
                    case "else":
                        terminator = "else";
                        _pendingElse = tokens.Skip(1).ToList();
                        if (trimLeft) SkipSpace();
                        return nodes;
                    case "if" or "with":
                        if (trimLeft) SkipSpace();
                        nodes.Add(ParseIf(line, tokens.Skip(1).ToList(), keyword == "with"));
                        continue;
                    case "range":
                        if (trimLeft) SkipSpace();
                        nodes.Add(ParseRange(line, tokens.Skip(1).ToList()));
                        continue;
                    case "break" or "continue":
                        nodes.Add(new ControlNode(line, keyword));
                        if (trimLeft) SkipSpace();
                        continue;
                    case "define" or "template" or "block":
                        throw Error($"{{{{{keyword}}}}} is not supported by homeops' template engine");
                }
                nodes.Add(new ActionNode(line, ParsePipeline(tokens)));
                if (trimLeft) SkipSpace();
            }
            return nodes;
        }

        private List<Token>? _pendingElse;

        private IfNode ParseIf(int line, List<Token> condition, bool isWith)
        {
            var pipeline = ParsePipeline(condition);
            var then = ParseList(out var end);
            List<Node>? otherwise = null;
            if (end == "else")
            {
                var elseTokens = _pendingElse!;
                if (elseTokens.Count > 0 && elseTokens[0].Kind == TokenKind.Ident && elseTokens[0].Text is "if" or "with")
                    otherwise = [ParseIf(_line, elseTokens.Skip(1).ToList(), elseTokens[0].Text == "with")];
                else
                {
                    otherwise = ParseList(out end);
                    if (end != "end") throw Error("missing {{end}}");
                }
            }
            else if (end != "end") throw Error($"missing {{{{end}}}} for {{{{{(isWith ? "with" : "if")}}}}} at line {line}");
            return new IfNode(line, pipeline, then, otherwise, isWith);
        }

        private RangeNode ParseRange(int line, List<Token> tokens)
        {
            var pipeline = ParsePipeline(tokens);
            var body = ParseList(out var end);
            List<Node>? otherwise = null;
            if (end == "else")
            {
                otherwise = ParseList(out end);
            }
            if (end != "end") throw Error($"missing {{{{end}}}} for {{{{range}}}} at line {line}");
            return new RangeNode(line, pipeline, body, otherwise);
        }

        private void SkipSpace()
        {
            while (_pos < text.Length && IsSpace(text[_pos]))
            {
                if (text[_pos] == '\n') _line++;
                _pos++;
            }
        }

        private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

        private static int CountLines(string s) => s.Count(c => c == '\n');

        private enum TokenKind { Ident, Field, Variable, String, Number, Char, Pipe, LeftParen, RightParen, Declare, Assign, Comma, Dot }

        private sealed record Token(TokenKind Kind, string Text, object? Value = null);

        /// <summary>Lexes one action up to "}}" (or " -}}"); leaves <see cref="_pos"/> after it.</summary>
        private List<Token> Lex(out bool trimLeft)
        {
            var tokens = new List<Token>();
            trimLeft = false;
            while (true)
            {
                if (_pos >= text.Length) throw Error("unclosed action");
                var c = text[_pos];
                if (c == '\n') _line++;
                if (IsSpace(c))
                {
                    _pos++;
                    if (_pos + 2 < text.Length + 1 && text.AsSpan(_pos).StartsWith("-}}", StringComparison.Ordinal))
                    {
                        trimLeft = true;
                        _pos += 3;
                        return tokens;
                    }
                    continue;
                }
                if (text.AsSpan(_pos).StartsWith("}}", StringComparison.Ordinal))
                {
                    _pos += 2;
                    return tokens;
                }
                switch (c)
                {
                    case '|': tokens.Add(new Token(TokenKind.Pipe, "|")); _pos++; continue;
                    case '(': tokens.Add(new Token(TokenKind.LeftParen, "(")); _pos++; continue;
                    case ')':
                        tokens.Add(new Token(TokenKind.RightParen, ")"));
                        _pos++;
                        if (_pos < text.Length && text[_pos] == '.') tokens.Add(new Token(TokenKind.Field, ReadFieldChain()));
                        continue;
                    case ',': tokens.Add(new Token(TokenKind.Comma, ",")); _pos++; continue;
                    case ':' when _pos + 1 < text.Length && text[_pos + 1] == '=': tokens.Add(new Token(TokenKind.Declare, ":=")); _pos += 2; continue;
                    case '=': tokens.Add(new Token(TokenKind.Assign, "=")); _pos++; continue;
                    case '"': tokens.Add(new Token(TokenKind.String, "", ReadQuoted())); continue;
                    case '`':
                        var end = text.IndexOf('`', _pos + 1);
                        if (end < 0) throw Error("unterminated raw quoted string");
                        var raw = text[(_pos + 1)..end];
                        _line += CountLines(raw);
                        tokens.Add(new Token(TokenKind.String, "", raw));
                        _pos = end + 1;
                        continue;
                    case '\'':
                        var close = text.IndexOf('\'', _pos + 1);
                        if (close < 0) throw Error("unterminated character constant");
                        var ch = text[(_pos + 1)..close];
                        tokens.Add(new Token(TokenKind.Char, ch, (long)(ch.Length == 1 ? ch[0] : Unescape(ch)[0])));
                        _pos = close + 1;
                        continue;
                    case '.':
                        if (_pos + 1 < text.Length && char.IsDigit(text[_pos + 1])) break;
                        tokens.Add(new Token(TokenKind.Field, ReadFieldChain()));
                        continue;
                    case '$':
                        var start = _pos++;
                        while (_pos < text.Length && (char.IsLetterOrDigit(text[_pos]) || text[_pos] == '_')) _pos++;
                        var variable = text[start.._pos];
                        var fields = _pos < text.Length && text[_pos] == '.' ? ReadFieldChain() : "";
                        tokens.Add(new Token(TokenKind.Variable, variable + fields));
                        continue;
                }
                if (char.IsDigit(c) || c is '-' or '+' or '.')
                {
                    var start = _pos;
                    _pos++;
                    while (_pos < text.Length && (char.IsLetterOrDigit(text[_pos]) || text[_pos] is '.' or '_' or '+' or '-')
                           && !(text[_pos] is '-' or '+' && !(text[_pos - 1] is 'e' or 'E' or 'p' or 'P'))) _pos++;
                    tokens.Add(new Token(TokenKind.Number, text[start.._pos], ParseNumber(text[start.._pos])));
                    continue;
                }
                if (char.IsLetter(c) || c == '_')
                {
                    var start = _pos;
                    while (_pos < text.Length && (char.IsLetterOrDigit(text[_pos]) || text[_pos] == '_')) _pos++;
                    tokens.Add(new Token(TokenKind.Ident, text[start.._pos]));
                    continue;
                }
                throw Error($"unexpected '{c}' in action");
            }
        }

        private string ReadFieldChain()
        {
            var start = _pos;
            while (_pos < text.Length && text[_pos] == '.')
            {
                _pos++;
                while (_pos < text.Length && (char.IsLetterOrDigit(text[_pos]) || text[_pos] == '_')) _pos++;
            }
            return text[start.._pos];
        }

        private string ReadQuoted()
        {
            var b = new StringBuilder();
            _pos++;
            while (true)
            {
                if (_pos >= text.Length || text[_pos] == '\n') throw Error("unterminated quoted string");
                var c = text[_pos++];
                if (c == '"') return b.ToString();
                if (c == '\\' && _pos < text.Length)
                {
                    var e = text[_pos++];
                    b.Append(e switch
                    {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '\\' => '\\',
                        '"' => '"',
                        '\'' => '\'',
                        _ => throw Error($"unknown escape sequence \\{e}"),
                    });
                }
                else b.Append(c);
            }
        }

        private static string Unescape(string s) => s switch
        {
            "\\n" => "\n",
            "\\t" => "\t",
            "\\\\" => "\\",
            "\\'" => "'",
            _ => s,
        };

        private object ParseNumber(string s)
        {
            var t = s.Replace("_", "", StringComparison.Ordinal);
            var negative = t.StartsWith('-');
            var body = t.TrimStart('-', '+');
            try
            {
                long value;
                if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) value = Convert.ToInt64(body[2..], 16);
                else if (body.StartsWith("0o", StringComparison.OrdinalIgnoreCase)) value = Convert.ToInt64(body[2..], 8);
                else if (body.StartsWith("0b", StringComparison.OrdinalIgnoreCase)) value = Convert.ToInt64(body[2..], 2);
                else if (body.Length > 1 && body[0] == '0' && body.All(char.IsDigit)) value = Convert.ToInt64(body, 8);
                else if (body.All(char.IsDigit)) value = long.Parse(body, CultureInfo.InvariantCulture);
                else return double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture);
                return negative ? -value : value;
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw Error($"bad number syntax: {s}");
            }
        }

        private Pipeline ParsePipeline(List<Token> tokens)
        {
            var declared = new List<string>();
            var assign = false;
            var index = 0;
            // $x := / $i, $v := / $x =
            var declaration = tokens.FindIndex(t => t.Kind is TokenKind.Declare or TokenKind.Assign);
            if (declaration > 0 && tokens.Take(declaration).All(t => t.Kind is TokenKind.Variable or TokenKind.Comma))
            {
                declared.AddRange(tokens.Take(declaration).Where(t => t.Kind == TokenKind.Variable).Select(t => t.Text));
                assign = tokens[declaration].Kind == TokenKind.Assign;
                index = declaration + 1;
            }
            var commands = new List<Command>();
            var current = new List<Operand>();
            while (index < tokens.Count)
            {
                var token = tokens[index];
                if (token.Kind == TokenKind.Pipe)
                {
                    if (current.Count == 0) throw Error("missing command before |");
                    commands.Add(new Command(current));
                    current = [];
                    index++;
                    continue;
                }
                current.Add(ParseOperand(tokens, ref index));
            }
            if (current.Count == 0) throw Error("missing command");
            commands.Add(new Command(current));
            return new Pipeline(declared, assign, commands);
        }

        private Operand ParseOperand(List<Token> tokens, ref int index)
        {
            var token = tokens[index++];
            switch (token.Kind)
            {
                case TokenKind.String or TokenKind.Number or TokenKind.Char: return new Literal(token.Value);
                case TokenKind.Field:
                    return new FieldChain(null, token.Text == "." ? [] : token.Text.Split('.', StringSplitOptions.RemoveEmptyEntries).ToList());
                case TokenKind.Variable:
                    var parts = token.Text.Split('.');
                    return new Variable(parts[0], parts.Skip(1).Where(p => p.Length > 0).ToList());
                case TokenKind.Ident:
                    return token.Text switch
                    {
                        "true" => new Literal(true),
                        "false" => new Literal(false),
                        "nil" => new Literal(null),
                        _ when TemplateFunctions.Exists(token.Text) => new Function(token.Text),
                        _ => throw Error($"function \"{token.Text}\" not defined"),
                    };
                case TokenKind.LeftParen:
                    var depth = 1;
                    var start = index;
                    while (index < tokens.Count && depth > 0)
                    {
                        if (tokens[index].Kind == TokenKind.LeftParen) depth++;
                        if (tokens[index].Kind == TokenKind.RightParen) depth--;
                        index++;
                    }
                    if (depth != 0) throw Error("unclosed left paren");
                    var inner = ParsePipeline(tokens.GetRange(start, index - 1 - start));
                    var fields = new List<string>();
                    if (index < tokens.Count && tokens[index].Kind == TokenKind.Field && tokens[index].Text != ".")
                        fields = tokens[index++].Text.Split('.', StringSplitOptions.RemoveEmptyEntries).ToList();
                    return new SubPipeline(inner, fields);
                default:
                    throw Error($"unexpected \"{token.Text}\" in command");
            }
        }
    }

    // ---------------- evaluation ----------------

    private sealed class Scope(Scope? parent)
    {
        private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

        public void Set(string name, object? value) => _variables[name] = value;

        public bool TryGet(string name, out object? value)
        {
            for (var s = this; s is not null; s = s.Parent)
                if (s._variables.TryGetValue(name, out value)) return true;
            value = null;
            return false;
        }

        public bool Assign(string name, object? value)
        {
            for (var s = this; s is not null; s = s.Parent)
                if (s._variables.ContainsKey(name))
                {
                    s._variables[name] = value;
                    return true;
                }
            return false;
        }

        public Scope? Parent { get; } = parent;
    }

    private sealed class Evaluator(string name, StringBuilder output)
    {
        private int _line;

        private TemplateException Error(string message) => new($"template {name}:{_line}: executing: {message}");

        public void Run(List<Node> nodes, object? dot, Scope scope)
        {
            foreach (var node in nodes)
            {
                _line = node.Line;
                switch (node)
                {
                    case TextNode t:
                        output.Append(t.Text);
                        break;
                    case ActionNode a:
                        var value = Pipe(a.Pipeline, dot, scope);
                        if (a.Pipeline.Declared.Count == 0) output.Append(TemplateValues.Print(value));
                        break;
                    case IfNode i:
                        var inner = new Scope(scope);
                        var condition = Pipe(i.Condition, dot, inner);
                        if (TemplateValues.Truth(condition)) Run(i.Then, i.IsWith ? condition : dot, inner);
                        else if (i.Else is not null) Run(i.Else, dot, new Scope(scope));
                        break;
                    case RangeNode r:
                        Range(r, dot, scope);
                        break;
                    case ControlNode { Keyword: "break" }:
                        throw new BreakSignal();
                    case ControlNode:
                        throw new ContinueSignal();
                }
            }
        }

        private void Range(RangeNode r, object? dot, Scope scope)
        {
            var outer = new Scope(scope);
            var declared = r.Pipeline.Declared;
            var source = Pipe(r.Pipeline with { Declared = [] }, dot, outer);
            var items = TemplateValues.Items(source) ?? throw Error($"range can't iterate over {TemplateValues.Print(source)}");
            if (items.Count == 0)
            {
                if (r.Else is not null) Run(r.Else, dot, outer);
                return;
            }
            foreach (var (key, value) in items)
            {
                var body = new Scope(outer);
                if (declared.Count == 1) body.Set(declared[0], value);
                if (declared.Count == 2)
                {
                    body.Set(declared[0], key);
                    body.Set(declared[1], value);
                }
                try { Run(r.Body, value, body); }
                catch (BreakSignal) { break; }
                catch (ContinueSignal) { }
            }
        }

        private object? Pipe(Pipeline pipeline, object? dot, Scope scope)
        {
            object? value = null;
            var first = true;
            foreach (var command in pipeline.Commands)
            {
                value = Command(command, dot, scope, first ? null : new Box(value));
                first = false;
            }
            foreach (var variable in pipeline.Declared)
            {
                if (pipeline.Assign)
                {
                    if (!scope.Assign(variable, value)) throw Error($"undefined variable: {variable}");
                }
                else scope.Set(variable, value);
            }
            return value;
        }

        private sealed record Box(object? Value);

        private object? Command(Command command, object? dot, Scope scope, Box? piped)
        {
            var head = command.Args[0];
            if (head is Function function)
            {
                var args = command.Args.Skip(1).Select(a => Operand(a, dot, scope)).ToList();
                if (piped is not null) args.Add(piped.Value);
                try { return TemplateFunctions.Call(function.Name, args); }
                catch (TemplateException e) { throw Error($"error calling {function.Name}: {e.Message}"); }
            }
            if (command.Args.Count > 1 || piped is not null)
                throw Error($"can't give argument to non-function {Describe(head)}");
            return Operand(head, dot, scope);
        }

        private static string Describe(Operand operand) => operand switch
        {
            FieldChain f => "." + string.Join('.', f.Fields),
            Variable v => v.Name,
            Literal l => TemplateValues.Print(l.Value),
            _ => "expression",
        };

        private object? Operand(Operand operand, object? dot, Scope scope) => operand switch
        {
            Literal l => l.Value,
            Function f => TemplateFunctions.Call(f.Name, []),
            FieldChain f => Fields(dot, f.Fields),
            Variable v => scope.TryGet(v.Name, out var value) ? Fields(value, v.Fields) : throw Error($"undefined variable \"{v.Name}\""),
            SubPipeline p => Fields(Pipe(p.Pipeline, dot, new Scope(scope)), p.Fields),
            _ => null,
        };

        private object? Fields(object? value, List<string> fields)
        {
            var path = "";
            foreach (var field in fields)
            {
                path += "." + field;
                value = value switch
                {
                    ITemplateObject o => o.TryField(field, out var child) ? child : throw Error($"can't evaluate field {field} in type {o.TypeName}"),
                    IReadOnlyDictionary<string, object?> map => map.GetValueOrDefault(field),
                    null => throw Error($"nil pointer evaluating {path}"),
                    _ => throw Error($"can't evaluate field {field} in type {TemplateValues.TypeName(value)}"),
                };
            }
            return value;
        }
    }
}

/// <summary>A Go struct as template data: fields by Go name.</summary>
public interface ITemplateObject
{
    string TypeName { get; }

    bool TryField(string name, out object? value);
}
