"""Register sheet import at scale: rows per second end to end, next to the time python-calamine
takes only to read the same file, in one run, with the peak memory of the process.

    .venv/bin/python bench/register_import.py --rows 100000
    .venv/bin/python bench/register_import.py --rows 100000 --database postgres://postgres@127.0.0.1:5432/shequ_bench_import

The sheet is generated deterministically (fictional people with valid-checksum ID numbers and
mobile numbers, in the three grids of the demo street's first community, 龙湖社区) and kept in
var/bench/ for the next run. The database is seeded with the demo areas and logins
(``shequ.demo.generate(scale=1)``) when empty; the register is emptied before each run, so
every run imports into the same state. The import runs as the demo's community staff login,
through the same functions the background tasks call (full validation and encryption).

Phases: (a) bare read — CalamineWorkbook + every row as Python lists, nothing else, and
(a2) the same with the streaming reader the import uses for large sheets (each in a child
process, so that its peak memory is its own); (b) upload — hash and store the file, as the
upload page does; (c) check — every row checked against the rules and the register, ID numbers
and phones encrypted, the valid rows staged, nothing written to the register (the preview);
(d) commit — the staged rows, their people asked again against the register, written in one
transaction; end to end = b + c + d. ``--profile FILE`` writes a cProfile of c and d;
``--stream`` makes the import read the sheet with the streaming reader whatever its size;
``--no-size-limit`` lifts the 50 MB upload limit (a 1,000,000-row sheet is ~92 MB)."""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国文辉力志海燕波宁欣怡梓涵浩宇子轩雨桐晨曦思远嘉豪佳琪"
ETHNIC = ("汉族",) * 17 + ("彝族", "白族", "回族")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_cpu() -> float:
    """CPU seconds of this process's ended children (the import's worker process)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def server_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL backend serving this process's connection
    (the server runs on this machine: /proc/<pid>/stat); 0 on SQLite."""
    from django.db import connection  # noqa: PLC0415

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        cpu = model
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def generate_sheet(path: Path, rows: int, grids: list[str]) -> None:
    """``rows`` residents, ~2.6 per household, 4 households a floor, 2 entrances, 18 floors:
    deterministic for a given row count."""
    import xlsxwriter  # noqa: PLC0415

    from shequ.core.validators import valid_test_id_number  # noqa: PLC0415
    from shequ.registry.sheets.columns import COLUMNS, SHEET_NAME  # noqa: PLC0415

    rng = random.Random(20260301)
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    sheet = book.add_worksheet(SHEET_NAME)
    text = book.add_format({"num_format": "@"})
    sheet.write_row(0, 0, [c.header for c in COLUMNS])
    keys = [c.key for c in COLUMNS]
    row_number = 1
    household = 0
    used_ids: set[str] = set()
    while row_number <= rows:
        household += 1
        per_building = 18 * 2 * 4
        building, slot = divmod(household - 1, per_building)
        entrance, rest = divmod(slot, 18 * 4)
        floor, door = divmod(rest, 4)
        grid = grids[building % len(grids)]
        size = min(rng.choice((1, 2, 2, 3, 3, 3, 4, 5)), rows - row_number + 1)
        surname = rng.choice(SURNAMES)
        non_local = rng.random() < 0.2
        floor_area = round(rng.uniform(45, 160), 1)
        for member in range(size):
            while True:
                birth = dt.date(1935, 1, 1) + dt.timedelta(days=rng.randrange(0, 32000))
                region = rng.choice(("530114", "530102", "530103", "530111", "532301"))
                number = valid_test_id_number(region, birth, rng.randrange(0, 1000))
                if number not in used_ids:
                    used_ids.add(number)
                    break
            values = {
                "grid_code": grid,
                "estate": f"龙湖{building // 20 + 1}期",
                "building_number": f"{building + 1}栋",
                "building_address": f"呈贡区龙湖路{building + 1}号",
                "floors": 18,
                "entrances": 2,
                "entrance": entrance + 1,
                "floor": floor + 1,
                "room": f"{floor + 1}{door + 1:02d}",
                "floor_area": floor_area,
                "use": "出租" if non_local else "自住",
                "household_number": f"LH{household:07d}",
                "relation": "户主"
                if member == 0
                else rng.choice(("配偶", "子女", "父母", "孙子女")),
                "name": surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                "id_number": number,
                "gender": "",
                "birth_date": "",
                "ethnicity": rng.choice(ETHNIC),
                "phone": f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}",
                "residency": "流动" if non_local else "户籍",
                "workplace": "",
                "is_party_member": "是" if rng.random() < 0.08 else "否",
                "care_tags": "独居老人" if size == 1 and birth.year < 1955 else "",
            }
            for col, key in enumerate(keys):
                value = values[key]
                if isinstance(value, str):
                    if value:
                        sheet.write_string(row_number, col, value, text)
                else:
                    sheet.write_number(row_number, col, value)
            row_number += 1
            if row_number > rows:
                break
    book.close()
    tmp.rename(path)


def bare_read(which: str, path: str) -> int:
    """Read every row, nothing else; print seconds, peak RSS in MB and the rows under the
    header."""
    start = time.perf_counter()
    if which == "calamine":
        from python_calamine import CalamineWorkbook  # noqa: PLC0415

        book = CalamineWorkbook.from_path(path)
        n = sum(1 for _row in book.get_sheet_by_index(0).iter_rows()) - 1
        book.close()
    else:
        sys.path.insert(0, str(ROOT))
        from shequ.registry.sheets.xlsx import XlsxReader  # noqa: PLC0415

        stream = XlsxReader(path)
        n = sum(1 for _row in stream.rows(stream.sheet_names[0])) - 1
        stream.close()
    print(f"{time.perf_counter() - start:.3f} {peak_mb():.0f} {n}")
    return 0


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _minimum(pairs: list[tuple[str, str]], key: bytes, index_key: bytes) -> int:
    """The minimum the issue asks of each row, with no framework: the GB 11643 check
    character and birth date, the mobile number's form, AES-256-GCM of the ID number and the
    phone (random nonce, base64 token) and an HMAC-SHA256 blind index of each. The rows that
    passed."""
    import base64  # noqa: PLC0415
    import hashlib  # noqa: PLC0415
    import hmac  # noqa: PLC0415
    import re  # noqa: PLC0415

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

    aes = AESGCM(key)
    mac_id = hmac.new(index_key, b"id", hashlib.sha256)
    mac_phone = hmac.new(index_key, b"phone", hashlib.sha256)
    mobile = re.compile(r"1[3-9][0-9]{9}")
    weights, check_chars, date, urandom = _ID_WEIGHTS, _ID_CHECK, dt.date, os.urandom
    b64 = base64.urlsafe_b64encode
    ok = 0
    out = []
    for number, phone in pairs:
        if len(number) != 18 or not number[:17].isdigit():
            continue
        if (
            check_chars[sum(int(c) * w for c, w in zip(number[:17], weights, strict=True)) % 11]
            != number[17]
        ):
            continue
        try:
            date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            continue
        if not mobile.fullmatch(phone):
            continue
        m = mac_id.copy()
        m.update(number.encode())
        id_index = m.hexdigest()[:32]
        m = mac_phone.copy()
        m.update(phone.encode())
        phone_index = m.hexdigest()[:32]
        nonce = urandom(12)
        id_token = b64(nonce) + b"." + b64(aes.encrypt(nonce, number.encode(), b"id"))
        nonce = urandom(12)
        phone_token = b64(nonce) + b"." + b64(aes.encrypt(nonce, phone.encode(), b"phone"))
        out.append((id_index, id_token, phone_index, phone_token))
        ok += 1
    return ok


def minimum_cpu(path: str) -> int:
    """Floor (iii): read the ID numbers and phones with calamine (timed apart), then the
    per-row minimum (``_minimum``) in this process, and again split over two worker
    processes. Prints the read's seconds, the one-process seconds and CPU seconds, the
    two-process seconds and the rows that passed."""
    import multiprocessing  # noqa: PLC0415

    from python_calamine import CalamineWorkbook  # noqa: PLC0415

    start = time.perf_counter()
    book = CalamineWorkbook.from_path(path)
    rows = book.get_sheet_by_index(0).iter_rows()
    header = next(rows)
    id_col, phone_col = header.index("身份证号"), header.index("联系电话")  # no Django here
    pairs = [(str(r[id_col]), str(r[phone_col])) for r in rows]
    book.close()
    read = time.perf_counter() - start
    key, index_key = os.urandom(32), os.urandom(32)
    start, cpu = time.perf_counter(), time.process_time()
    ok = _minimum(pairs, key, index_key)
    one, one_cpu = time.perf_counter() - start, time.process_time() - cpu
    assert ok == len(pairs), (ok, len(pairs))
    size = 5000
    parts = [pairs[i : i + size] for i in range(0, len(pairs), size)]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.apply(_minimum, ([], key, index_key))  # the workers are up before the clock
        start = time.perf_counter()
        two_ok = sum(pool.starmap(_minimum, [(p, key, index_key) for p in parts]))
        two = time.perf_counter() - start
    assert two_ok == ok
    print(f"{read:.3f} {one:.3f} {one_cpu:.3f} {two:.3f} {ok}")
    return 0


REGISTER_TABLES = (
    "Building",
    "House",
    "Household",
    "HouseholdStay",
    "Resident",
    "Stay",
    "ResidentCare",
    "NameGram",
)


def database_floor() -> list[tuple[str, float, float, int]]:
    """Floor (ii), PostgreSQL: the rows the import just wrote (every table of the register
    it writes: buildings, houses with their final colour, households, household stays,
    residents with their encrypted ID numbers and phones and blind indexes, stays, care tags,
    name grams) copied out, the tables emptied (committed apart), then written again in one
    transaction: once from the COPY text as PostgreSQL gave it (the database's own work:
    parsing, heap, every index, the deferred foreign keys checked at COMMIT), and once from
    Python tuples with psycopg's ``write_row`` (what any Python writer also pays to format
    them). No validation, no encryption: those values are the import's."""
    from django.apps import apps  # noqa: PLC0415
    from django.db import connection, transaction  # noqa: PLC0415

    models = [apps.get_model("registry", name) for name in REGISTER_TABLES]
    quote = connection.ops.quote_name
    dumps: list[tuple[str, str, list[bytes], list[tuple[Any, ...]]]] = []
    with connection.cursor() as cursor:
        raw: Any = cursor.cursor
        for model in models:
            table = model._meta.db_table
            columns = ", ".join(quote(f.column) for f in model._meta.concrete_fields)
            blocks: list[bytes] = []
            with raw.copy(f"COPY {quote(table)} ({columns}) TO STDOUT") as copy:
                blocks.extend(bytes(block) for block in copy)
            raw.execute(f"SELECT {columns} FROM {quote(table)}")
            dumps.append((table, columns, blocks, raw.fetchall()))
    results: list[tuple[str, float, float, int]] = []
    total_rows = sum(len(rows) for *_rest, rows in dumps)
    for label, from_text in (
        ("(ii) DB write alone: COPY of the same rows, as COPY text", True),
        ("(ii') DB write alone: COPY of the same rows, from Python tuples", False),
    ):
        with connection.cursor() as cursor:
            tables = ", ".join(quote(t) for t, *_rest in dumps)
            cursor.execute(f"TRUNCATE {tables} CASCADE")
        server = server_cpu()
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            for table, columns, blocks, rows in dumps:
                with raw.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
                    if from_text:
                        for block in blocks:
                            copy.write(block)
                    else:
                        for row in rows:
                            copy.write_row(row)
            copied = time.perf_counter() - start
        committed = time.perf_counter() - start
        server = server_cpu() - server
        results.append((f"{label}: COPY", copied, 0.0, total_rows))
        results.append((f"{label}: + COMMIT (deferred FKs)", committed, server, total_rows))
    return results


def reset_register() -> None:
    from django.db import connection  # noqa: PLC0415

    from shequ.registry.models import (  # noqa: PLC0415
        Building,
        House,
        Household,
        HouseholdStay,
        ImportJob,
        NameGram,
        RegisterStat,
        Resident,
        ResidentCare,
        Stay,
        Unit,
        Visit,
    )

    models = (
        NameGram,
        ResidentCare,
        Stay,
        HouseholdStay,
        Visit,
        Unit,
        ImportJob,
        RegisterStat,
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = [m._meta.db_table for m in (*models, Resident, Household, House, Building)]
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            return
        cursor.execute(f"UPDATE {Household._meta.db_table} SET head_id = NULL")
        cursor.execute(f"UPDATE {Building._meta.db_table} SET head_id = NULL")
        for model in (*models, Resident, Household, House, Building):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL", ""),
        help="DATABASE_URL (default: a SQLite file in var/bench)",
    )
    parser.add_argument("--profile", default="", help="write a cProfile of check + commit here")
    parser.add_argument(
        "--skip-read",
        action="store_true",
        help="leave out the bare reads",
    )
    parser.add_argument("--stream", action="store_true", help="always the streaming reader")
    parser.add_argument("--no-size-limit", action="store_true", help="no 50 MB upload limit")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="after the import, measure the floor: (ii) the DB write alone (PostgreSQL), "
        "(iii) the per-row minimum of checks and encryption with no framework",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes for the check (pipeline.WORKERS; 0: all in this process)",
    )
    parser.add_argument("--min-cpu", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--bare-read", nargs=2, metavar=("READER", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, metavar=("ROWS", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_read:
        return bare_read(*args.bare_read)
    if args.min_cpu:
        return minimum_cpu(args.min_cpu)
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SHEQU_VAR_DIR"] = str(bench_dir)
    os.environ["DATABASE_URL"] = (
        args.database or f"sqlite:///{bench_dir / 'register-import.sqlite3'}"
    )
    os.environ["SHEQU_OTP_REQUIRED_ROLES"] = ""
    os.environ["SHEQU_DEMO"] = "1"  # the generator refuses to seed anything else
    os.environ.setdefault("SHEQU_LOG_LEVEL", "ERROR")
    import django  # noqa: PLC0415

    django.setup()
    from django.core.files.uploadedfile import UploadedFile  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415

    from shequ.accounts.models import User  # noqa: PLC0415
    from shequ.areas.models import Area, Level  # noqa: PLC0415
    from shequ.demo import generate  # noqa: PLC0415
    from shequ.registry.models import ImportJob, ImportStatus, Resident  # noqa: PLC0415
    from shequ.registry.sheets import pipeline, reader  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    if not Area.objects.filter(level=Level.STREET).exists():
        print("seeding the demo areas …", flush=True)
        generate(scale=1)
    staff = User.objects.get(username="community")
    community = Area.objects.current().get(
        level=Level.COMMUNITY, name="龙湖社区", area_path__startswith="/530100/530114/530114090/"
    )
    grids = list(
        Area.objects.current()
        .filter(level=Level.GRID, area_path__startswith=community.area_path)
        .order_by("code")
        .values_list("code", flat=True)
    )
    sheet_path = bench_dir / f"register-{args.rows}.xlsx"
    if args.generate:
        generate_sheet(Path(args.generate[1]), int(args.generate[0]), grids)
        return 0
    if not sheet_path.exists():
        print(f"generating {sheet_path.name} …", flush=True)
        start = time.perf_counter()
        # in a child process: generating does not count in this one's peak memory
        child = [sys.executable, __file__, "--generate", str(args.rows), str(sheet_path)]
        subprocess.run([*child, "--database", args.database], check=True)
        print(f"  {time.perf_counter() - start:.1f} s", flush=True)
    if args.workers is not None:
        pipeline.WORKERS = args.workers
    if args.stream:
        reader.STREAM_ABOVE = -1
    if args.no_size_limit:
        reader.MAX_BYTES = 1 << 40
    size_mb = sheet_path.stat().st_size / 1024 / 1024
    reset_register()
    results: list[tuple[str, float, float, float]] = []
    load_before = os.getloadavg()[0]

    read = streamed = 0.0
    if not args.skip_read:
        for which, label in (
            ("calamine", "(a) bare read: python-calamine, every row as Python lists"),
            ("stream", "(a2) bare read: the streaming reader (sheets/xlsx.py)"),
        ):
            child = [sys.executable, __file__, "--bare-read", which, str(sheet_path)]
            out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
            seconds, rss, n = out.split()
            assert int(n) == args.rows, n
            results.append((label, float(seconds), float(seconds), float(rss)))
            if which == "calamine":
                read = float(seconds)
            else:
                streamed = float(seconds)

    profiler = cProfile.Profile() if args.profile else None
    start, cpu = time.perf_counter(), time.process_time()
    with sheet_path.open("rb") as stream:
        upload = UploadedFile(stream, name=sheet_path.name, size=sheet_path.stat().st_size)
        job = pipeline.import_upload(actor=staff, area=community, upload=upload)
    uploaded, cpu_b = time.perf_counter() - start, time.process_time() - cpu
    results.append(("(b) upload: sniff, sha256, store", uploaded, cpu_b, peak_mb()))
    if profiler:
        profiler.enable()
    start, cpu, worker, server = (
        time.perf_counter(),
        time.process_time(),
        children_cpu(),
        server_cpu(),
    )
    pipeline.run_validation(job.pk)
    checked, cpu_c = time.perf_counter() - start, time.process_time() - cpu
    worker_c, server_c = children_cpu() - worker, server_cpu() - server
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED, (job.status, job.errors[:5])
    assert job.error_count == 0, job.errors[:5]
    results.append(("(c) check every row, encrypt, stage (the preview)", checked, cpu_c, peak_mb()))
    start, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
    pipeline.import_commit(actor=staff, job=job, valid_only=False)
    pipeline.run_commit(job.pk, staff.pk)
    committed, cpu_d = time.perf_counter() - start, time.process_time() - cpu
    server_d = server_cpu() - server
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors[:5]
    assert Resident.objects.count() == args.rows
    results.append(
        ("(d) commit: staged rows, people asked again, written", committed, cpu_d, peak_mb())
    )
    total = uploaded + checked + committed
    results.append(("end to end: b + c + d", total, cpu_b + cpu_c + cpu_d, peak_mb()))
    ImportJob.objects.filter(pk=job.pk).update(summary=job.summary)

    engine = (
        f"PostgreSQL {connection.pg_version // 10000}"
        if connection.vendor == "postgresql"
        else f"SQLite {connection.Database.sqlite_version}"
    )
    created = job.summary["created"]
    print(
        f"\n{args.rows:,} rows ({size_mb:.1f} MB .xlsx) · {engine} · {machine()}\n"
        f"created: {created['buildings']:,} buildings, {created['houses']:,} houses, "
        f"{created['households']:,} households, {created['residents']:,} residents"
    )
    print(f"{'phase':58} {'seconds':>8} {'rows/s':>9} {'CPU s':>7} {'peak RSS MB':>12}")
    for label, seconds, cpu_s, rss in results:
        print(f"{label:58} {seconds:8.2f} {args.rows / seconds:9,.0f} {cpu_s:7.2f} {rss:12,.0f}")
    work = cpu_b + cpu_c + cpu_d + worker_c + server_c + server_d
    print(
        f"CPU s beside this process: (c) worker process {worker_c:.2f}, database backend "
        f"{server_c:.2f}; (d) database backend {server_d:.2f}\n"
        f"CPU s of the whole import (this process + worker + backend): {work:.2f} "
        f"= {args.rows / work:,.0f} rows per CPU second; on 2 idle cores at best "
        f"{args.rows / work * 2:,.0f} rows/s"
    )
    if read:
        print(
            f"end to end / bare read: {total / read:.1f}×   commit alone / bare read: "
            f"{committed / read:.1f}×   streaming read / calamine read: {streamed / read:.1f}×"
        )
    print("peak RSS: (a), (a2) of their child process; b–d of this process (Django included)")
    print(
        "CPU s: this process only (not the database server); "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    with contextlib.suppress(OSError):
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout
        print(nproc.strip(), "cores (nproc)")
    if args.floor:
        floor(args.rows, sheet_path, read, total)
    return 0


def floor(rows: int, sheet_path: Path, read: float, total: float) -> None:
    """The floor measurements (``--floor``), after the import, printed apart."""
    from django.db import connection  # noqa: PLC0415

    print(f"\nfloor · load average {os.getloadavg()[0]:.1f} before")
    child = [sys.executable, __file__, "--min-cpu", str(sheet_path)]
    out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
    pairs_read, one, one_cpu, two, ok = out.split()
    assert int(ok) == rows, ok
    print(f"{'measure':66} {'seconds':>8} {'rows/s':>10} {'µs/row':>7} {'server CPU s':>12}")
    lines: list[tuple[str, float, float, int]] = [
        ("(i) bare read, python-calamine (above)", read, 0.0, rows),
        (
            "(iii) calamine read of ID number + phone columns (child process)",
            float(pairs_read),
            0.0,
            rows,
        ),
        (
            "(iii) minimum per row: GB 11643, phone, 2× AES-GCM, 2× HMAC, 1 proc",
            float(one),
            0.0,
            rows,
        ),
        ("(iii)   the same, CPU seconds of that process", float(one_cpu), 0.0, rows),
        ("(iii) the same over 2 worker processes (chunks of 5,000)", float(two), 0.0, rows),
    ]
    written = 0
    if connection.vendor == "postgresql":
        for label, seconds, server, n in database_floor():
            lines.append((label, seconds, server, rows))
            written = n
    for label, seconds, server, n in lines:
        print(
            f"{label:66} {seconds:8.2f} {n / seconds:10,.0f} {seconds / n * 1e6:7.1f} "
            + (f"{server:12.2f}" if server else "")
        )
    if written:
        print(f"(ii) wrote {written:,} rows in all ({written / rows:.1f} per resident)")
    print(f"the import, end to end (above): {total:.2f} s")
    print(f"floor · load average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    sys.exit(main())
