// Package cli is harbor-installer's command line: cobra commands that load
// answers, run the steps' checks, render the plan and (later) install it.
// The wizard in package ui is the interactive face of the same path.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/harbor-installer/harbor-installer/answers"
)

// Exit codes shared by every command.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

func failErr(err error) error { return &exitError{code: ExitFailure, err: err} }

// silentExit ends with code after the command already printed why.
type silentExit int

func (s silentExit) Error() string { return fmt.Sprintf("exit %d", int(s)) }

// io bundles the streams so commands can be tested without a terminal.
type streams struct {
	in  io.Reader
	out io.Writer
	err io.Writer
}

func (s streams) isTerminal() bool {
	in, ok1 := s.in.(*os.File)
	out, ok2 := s.out.(*os.File)
	return ok1 && ok2 && isTerminalFd(in.Fd()) && isTerminalFd(out.Fd())
}

func isTerminalFd(fd uintptr) bool { return term.IsTerminal(int(fd)) }

// Main runs the program with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// SIGINT and SIGTERM cancel the context: the engine stops its Helm
	// actions cleanly and the run exits 130.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal the default action returns: a second Ctrl-C
	// kills at once (a release may then be left pending: --recover).
	go func() {
		<-ctx.Done()
		stop()
	}()
	return mainContext(ctx, args, stdin, stdout, stderr)
}

// mainContext is Main under a given context (tests cancel it).
func mainContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := streams{in: stdin, out: stdout, err: stderr}
	root := newRoot(s)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "interrupted")
		return ExitInterrupted
	}
	var se silentExit
	if errors.As(err, &se) {
		return int(se)
	}
	fmt.Fprintln(stderr, "error: "+err.Error())
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var le *answers.LoadError
	if errors.As(err, &le) {
		return ExitUsage
	}
	// Anything cobra itself refused (unknown flag or command) is usage.
	return ExitUsage
}

func newRoot(s streams) *cobra.Command {
	var wf wizardFlags
	root := &cobra.Command{
		Use:   "harbor-installer",
		Short: "Install a private, highly available Harbor registry on Kubernetes",
		Long: `harbor-installer asks for the cluster, domain, TLS, storage, MinIO, LDAP and
Harbor settings, checks each answer against the real systems, renders the Helm
values, installs the charts in order and saves the answers (never the
secrets) so the same install replays non-interactively.

With no command it opens the wizard when run in a terminal. Without a
terminal, give a command and --answers FILE or --preset NAME.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !s.isTerminal() {
				return usageErr("no terminal to run the wizard in: give a command with --answers FILE (or --preset NAME), e.g. `harbor-installer validate --answers answers.yaml`; see --help")
			}
			return runWizard(cmd.Context(), s, wf)
		},
	}
	wf.register(root)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%v (see --help)", err) })
	root.AddCommand(newRenderCmd(s), newValidateCmd(s), newInstallCmd(s), newVerifyCmd(s), newStatusCmd(s), newDiffCmd(s), newUninstallCmd(s), newPresetsCmd(s), newAnswersCmd(s), newVersionCmd(s))
	return root
}
