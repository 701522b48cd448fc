return await HomeOps.Cli.HomeopsCli.RunAsync(args);
