using AkkaRaft.Host;

// AkkaRaft.Host: a key-value node over Akka.Remote, one-shot and line-by-line clients, and a multi-process demo.
// Every mistake on the command line or in the configuration ends with one line naming it and exit code 2, never a
// stack trace. The commands and their help are defined in HostCommandLine.

return await HostCommandLine.RunAsync(args, Console.Out, Console.Error);
