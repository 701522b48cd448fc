namespace HomeOps.Cli.Output;

/// <summary>
/// Line-by-line questions on the terminal: Enter takes the default shown in brackets, a rejected answer
/// is explained and asked again, end of input or Ctrl-C cancels (nothing has been written by then).
/// </summary>
public sealed class Prompter(TextReader input, TextWriter output, CancellationToken cancel)
{
    /// <summary>Asks until <paramref name="check"/> accepts (returns null); a blank answer means <paramref name="defaultValue"/> when there is one.</summary>
    public async Task<string> AskAsync(string question, string? defaultValue, Func<string, string?> check)
    {
        while (true)
        {
            await output.WriteAsync(defaultValue is null ? $"{question}: " : $"{question} [{defaultValue}]: ");
            await output.FlushAsync(cancel);
            // A console read does not observe cancellation, so it waits on a worker while Ctrl-C ends the wait at once.
            var line = await Task.Run(input.ReadLine, CancellationToken.None).WaitAsync(cancel) ?? throw new OperationCanceledException("end of input");
            var answer = line.Trim();
            if (answer.Length == 0 && defaultValue is not null) answer = defaultValue;
            if (answer.Length == 0)
            {
                await output.WriteLineAsync("  an answer is needed here");
                continue;
            }
            if (check(answer) is not { } problem) return answer;
            await output.WriteLineAsync($"  {problem}");
        }
    }

    public async Task<string?> AskOptionalAsync(string question, Func<string, string?> check)
    {
        var answer = await AskAsync($"{question} (Enter for none)", "-", a => a == "-" ? null : check(a));
        return answer == "-" ? null : answer;
    }

    public async Task<bool> ConfirmAsync(string question, bool defaultValue)
    {
        var answer = await AskAsync($"{question} (y/n)", defaultValue ? "y" : "n",
            a => a.ToLowerInvariant() is "y" or "yes" or "n" or "no" ? null : "answer y or n");
        return answer.ToLowerInvariant() is "y" or "yes";
    }

    public async Task<int> AskNumberAsync(string question, int defaultValue, int min, int max)
    {
        var answer = await AskAsync(question, defaultValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            a => int.TryParse(a, out var n) && n >= min && n <= max ? null : $"a whole number from {min} to {max}");
        return int.Parse(answer, System.Globalization.CultureInfo.InvariantCulture);
    }
}
