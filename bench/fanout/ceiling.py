"""The same-run ceiling of bench/fanout: pre-rendered messages over one smtplib connection, nothing else.

    python bench/fanout/ceiling.py <message file> <port> <count>

Run by run.py in a process of its own (as a worker is), against the same aiosmtpd sink the scenarios use,
with a message of the same size as the offer email. Prints one line: ``<count> <seconds>``.
"""

import smtplib
import sys
import time


def main() -> None:
    path, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(path, "rb") as handle:
        data = handle.read()
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
    smtp.ehlo()
    started = time.perf_counter()
    for index in range(count):
        smtp.sendmail("bench@bench.example", [f"ceiling{index % 100}@bench.example"], data)
    seconds = time.perf_counter() - started
    smtp.quit()
    print(count, f"{seconds:.6f}")


if __name__ == "__main__":
    main()
