"""Running ``valuegrad`` in the test process, for the CLI tests: its exit status and output."""

from nn.cli import main


def run(argv, capsys):
    """(exit status, stdout, stderr) of ``valuegrad argv``, run in this process."""
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_line_error(status, out, err):
    """The error line of a run that failed with exit status 1 and exactly one line on stderr."""
    assert status == 1, err
    assert err.count("\n") == 1 and err.startswith("valuegrad: error: ") and "Traceback" not in err
    return err.strip()
