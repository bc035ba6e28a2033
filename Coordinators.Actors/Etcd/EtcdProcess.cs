using System.Diagnostics;

namespace Coordinators.Actors.Etcd;

/// <summary>
/// Starts an etcd child process whose stdout and stderr are appended, line by line, to a log file: the one
/// launch shared by <see cref="EmbeddedEtcd"/> and the test fixture's cluster members.
/// </summary>
internal static class EtcdProcess
{
    /// <summary>
    /// Starts <paramref name="etcdPath"/> with <paramref name="arguments"/>. The caller owns the returned process and
    /// log writer; a line arriving after the writer was disposed is dropped (the process is being torn down).
    /// </summary>
    public static (Process Process, StreamWriter Log) Start(string etcdPath, IEnumerable<string> arguments, string logFile)
    {
        var log = new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) { AutoFlush = true };
        var psi = new ProcessStartInfo(etcdPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        var process = new Process { StartInfo = psi };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (log)
            {
                try { log.WriteLine(e.Data); }
                catch (ObjectDisposedException) { }
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        try
        {
            process.Start();
        }
        catch
        {
            log.Dispose();
            process.Dispose();
            throw;
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, log);
    }
}
