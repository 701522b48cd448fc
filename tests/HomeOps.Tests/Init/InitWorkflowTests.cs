using HomeOps.Adapters.Files;
using HomeOps.Compile.Init;
using HomeOps.Operations.Init;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Init;

/// <summary>What init does with each file: create, update only what it wrote and nobody touched, keep everything else.</summary>
public sealed class InitWorkflowTests
{
    [Fact]
    public void Only_files_init_wrote_and_nobody_changed_are_rewritten()
    {
        using var temp = new TempDir();
        var workflow = new InitWorkflow(new DiskWorkspace(temp.Path, new GitCli()));
        workflow.Apply(workflow.Plan([new GeneratedFile("a.yaml", "a: 1\n"), new GeneratedFile("dir/b.yaml", "b: 1\n")]));
        File.WriteAllText(temp.File("dir/b.yaml"), "b: mine\n");
        temp.Write("c.yaml", "c: already here\n");

        var plan = workflow.Plan([new GeneratedFile("a.yaml", "a: 2\n"), new GeneratedFile("dir/b.yaml", "b: 2\n"), new GeneratedFile("c.yaml", "c: 2\n"), new GeneratedFile("d.yaml", "d: 1\n")]);

        Assert.Equal([FileAction.Update, FileAction.KeepLocalEdit, FileAction.KeepLocalEdit, FileAction.Create], plan.Select(f => f.Action));
        workflow.Apply(plan);
        Assert.Equal("a: 2\n", File.ReadAllText(temp.File("a.yaml")));
        Assert.Equal("b: mine\n", File.ReadAllText(temp.File("dir/b.yaml")));
        Assert.Equal("c: already here\n", File.ReadAllText(temp.File("c.yaml")));
        Assert.Equal(FileAction.Unchanged, workflow.Plan([new GeneratedFile("d.yaml", "d: 1\n")]).Single(f => f.Path == "d.yaml").Action);
    }

    [Fact]
    public void Files_init_no_longer_generates_go_unless_they_were_edited()
    {
        using var temp = new TempDir();
        var workflow = new InitWorkflow(new DiskWorkspace(temp.Path, new GitCli()));
        workflow.Apply(workflow.Plan([new GeneratedFile("keep.yaml", "k: 1\n"), new GeneratedFile("part/a.yaml", "a: 1\n"), new GeneratedFile("other/b.yaml", "b: 1\n")]));
        File.WriteAllText(temp.File("other/b.yaml"), "b: mine\n");

        var plan = workflow.Plan([new GeneratedFile("keep.yaml", "k: 1\n")]);

        Assert.Equal([("keep.yaml", FileAction.Unchanged), ("other/b.yaml", FileAction.KeepNoLongerGenerated), ("part/a.yaml", FileAction.Remove)],
            plan.Select(f => (f.Path, f.Action)).OrderBy(p => p.Path, StringComparer.Ordinal));
        workflow.Apply(plan);
        Assert.False(Directory.Exists(temp.File("part")));
        Assert.Equal("b: mine\n", File.ReadAllText(temp.File("other/b.yaml")));
        // still recorded as init's: generated again later, the edit is still recognised as one
        Assert.Equal(FileAction.KeepLocalEdit, workflow.Plan([new GeneratedFile("other/b.yaml", "b: 2\n")]).Single(f => f.Path == "other/b.yaml").Action);
    }

    [Fact]
    public void A_damaged_record_makes_every_differing_file_a_local_edit()
    {
        using var temp = new TempDir();
        var workflow = new InitWorkflow(new DiskWorkspace(temp.Path, new GitCli()));
        workflow.Apply(workflow.Plan([new GeneratedFile("a.yaml", "a: 1\n")]));
        File.WriteAllText(temp.File(InitWorkflow.StatePath), "{ not json");
        Assert.Equal(FileAction.KeepLocalEdit, workflow.Plan([new GeneratedFile("a.yaml", "a: 2\n")]).Single().Action);
    }
}
