/* bochs_pvh.c — a tiny 32-bit Multiboot kernel that starts an uncompressed x86-64 Linux
 * vmlinux through its PVH entry point; tests/emu/bochs_run.sh boots it under Bochs.
 *
 * Why: a stock bzImage decompresses itself (XZ) before Linux starts, and under Bochs that
 * alone costs ~4.5 billion emulated instructions (~100 s). The runner unpacks the ELF
 * vmlinux on the host instead; isolinux's mboot.c32 loads this shim plus two modules,
 * in either order: the initramfs, and vmlinux (ELF64 with the Xen PVH note
 * XEN_ELFNOTE_PHYS32_ENTRY, PT_LOAD segments possibly shorter than their memory size).
 * The shim copies the vmlinux PT_LOAD segments to their physical addresses (zero-filled
 * to their memory size), moving the initramfs or the module out of the way only when
 * they are in it, builds a struct hvm_start_info (command line, initramfs,
 * memory map from Multiboot, ACPI RSDP) and jumps to the PVH entry in 32-bit protected
 * mode with paging off (the Xen/Linux PVH boot ABI; QEMU boots vmlinux the same way).
 * Its Multiboot command line, less a first word without '=' (the file name), is Linux's.
 * Errors are printed on COM1 ("bochs_pvh: ...") and the CPU halts.
 * Built by the runner: gcc -m32 -ffreestanding -nostdlib -static (see bochs_run.sh). */
#include <stddef.h>
#include <stdint.h>

#define MB_MAGIC 0x1BADB002u
#define MB_FLAGS 0x00000003u /* page-aligned modules, memory map */

__asm__(".text\n"
        ".align 4\n"
        "mb_header:\n"
        ".long 0x1BADB002\n"
        ".long 0x00000003\n"
        ".long -(0x1BADB002 + 0x00000003)\n"
        ".globl _start\n"
        "_start:\n"
        "cli\n"
        "cld\n"
        "mov $stack_top, %esp\n"
        "push %ebx\n"
        "push %eax\n"
        "call shim_main\n"
        "1: hlt\n"
        "jmp 1b\n");

static uint8_t stack[16384] __attribute__((aligned(16), used));
__asm__(".globl stack_top\n.set stack_top, stack + 16384\n");

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
};
struct mb_module { uint32_t start, end, string, reserved; };
struct mb_mmap { uint32_t size; uint64_t addr, len; uint32_t type; } __attribute__((packed));

/* xen/include/public/arch-x86/hvm/start_info.h */
struct hvm_start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
    uint32_t memmap_entries, reserved;
};
struct hvm_modlist_entry { uint64_t paddr, size, cmdline_paddr, reserved; };
struct hvm_memmap_table_entry { uint64_t addr, size; uint32_t type, reserved; };

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
struct elf_note { uint32_t namesz, descsz, type; };

#define MAX_MAP 64
#define MAX_SEGS 16
static struct hvm_start_info start_info;
static struct hvm_modlist_entry modlist[1];
static struct hvm_memmap_table_entry memmap[MAX_MAP];
static char cmdline[2048];

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static void putc_serial(char c) {
    for (int i = 0; i < 100000 && !(inb(0x3f8 + 5) & 0x20); i++) {}
    outb(0x3f8, (uint8_t)c);
}
static void puts_serial(const char *s) {
    for (; *s; s++) {
        if (*s == '\n') putc_serial('\r');
        putc_serial(*s);
    }
}
static void puthex(uint32_t v) {
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++) buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
    buf[10] = 0;
    puts_serial(buf);
}
static void fail(const char *msg) {
    puts_serial("\nbochs_pvh: ");
    puts_serial(msg);
    puts_serial("\n");
    for (;;) __asm__ volatile("cli; hlt");
}

/* gcc may emit calls to these even when freestanding. Bochs runs string instructions
 * one element at a time, so they move dwords: 4x faster than bytes. */
void *memmove(void *dst, const void *src, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
static void copy_up(uint32_t d, uint32_t s, uint32_t n) { /* safe when d <= s or apart */
    uint32_t words = n / 4, rest = n % 4;
    __asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(words)::"memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(rest)::"memory");
}
void *memmove(void *dst, const void *src, size_t n) {
    uint32_t d = (uint32_t)dst, s = (uint32_t)src;
    if (d <= s || d >= s + n) {
        copy_up(d, s, n);
    } else { /* overlapping with the destination above: blocks no larger than d - s, last first */
        uint32_t chunk = d - s < (1u << 20) ? d - s : (1u << 20);
        for (uint32_t off = n; off > 0;) {
            uint32_t c = off < chunk ? off : chunk;
            off -= c;
            copy_up(d + off, s + off, c);
        }
    }
    return dst;
}
void *memcpy(void *dst, const void *src, size_t n) { return memmove(dst, src, n); }
void *memset(void *dst, int c, size_t n) {
    uint32_t d = (uint32_t)dst, words = n / 4, rest = n % 4, v = (uint8_t)c * 0x01010101u;
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(words) : "a"(v) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(rest) : "a"(v) : "memory");
    return dst;
}

static int overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1) { return a0 < b1 && b0 < a1; }

static int is_elf64(uint32_t start, uint32_t end) {
    const struct elf64_ehdr *eh = (const struct elf64_ehdr *)start;
    return end - start >= sizeof *eh && eh->ident[0] == 0x7f && eh->ident[1] == 'E' &&
           eh->ident[2] == 'L' && eh->ident[3] == 'F' && eh->ident[4] == 2 && eh->machine == 62;
}

/* Copying segment i (last first) overwrites [paddr, paddr + memsz): it must not hold the
 * source, inside the module at `base`, of a segment copied after it. */
static int copy_in_place_ok(const struct elf64_phdr *seg, uint32_t nseg, uint32_t base) {
    for (uint32_t i = 0; i < nseg; i++)
        for (uint32_t j = 0; j < i; j++)
            if (overlaps(seg[i].paddr, seg[i].paddr + seg[i].memsz, base + seg[j].offset,
                         base + seg[j].offset + seg[j].filesz))
                return 0;
    return 1;
}

/* a pointer to a fixed physical address, hidden from gcc's array-bounds analysis */
static const volatile char *phys(uint32_t addr) {
    __asm__("" : "+r"(addr));
    return (const volatile char *)addr;
}

static uint32_t find_rsdp(void) {
    uint32_t ebda = (uint32_t)(*(const volatile uint16_t *)phys(0x40e)) << 4;
    uint32_t ranges[2][2] = {{ebda, ebda + 1024}, {0xe0000, 0x100000}};
    for (int r = 0; r < 2; r++) {
        if (ranges[r][0] == 0) continue;
        for (uint32_t p = ranges[r][0]; p + 20 <= ranges[r][1]; p += 16) {
            const volatile char *s = phys(p);
            if (s[0] == 'R' && s[1] == 'S' && s[2] == 'D' && s[3] == ' ' && s[4] == 'P' &&
                s[5] == 'T' && s[6] == 'R' && s[7] == ' ')
                return p;
        }
    }
    return 0;
}

void shim_main(uint32_t magic, const struct mb_info *mbi);
void shim_main(uint32_t magic, const struct mb_info *mbi) {
    if (magic != 0x2BADB002u) fail("not started by a Multiboot loader");
    if (!(mbi->flags & (1u << 3)) || mbi->mods_count < 2) fail("need 2 modules: vmlinux, initramfs");
    if (!(mbi->flags & (1u << 6))) fail("no memory map from the loader");

    /* Linux command line: ours, less a leading file name */
    const char *c = (mbi->flags & (1u << 2)) ? (const char *)mbi->cmdline : "";
    const char *w = c;
    while (*w == ' ') w++;
    const char *e = w;
    while (*e && *e != ' ') e++;
    int has_eq = 0;
    for (const char *p = w; p < e; p++) has_eq |= *p == '=';
    if (!has_eq) c = e;
    while (*c == ' ') c++;
    size_t n = 0;
    while (c[n] && n + 1 < sizeof cmdline) { cmdline[n] = c[n]; n++; }
    cmdline[n] = 0;

    /* memory map; top = end of the highest RAM below 4 GiB */
    uint32_t nmap = 0;
    uint64_t top = 0;
    for (uint32_t off = 0; off < mbi->mmap_length && nmap < MAX_MAP;) {
        const struct mb_mmap *m = (const struct mb_mmap *)(mbi->mmap_addr + off);
        memmap[nmap].addr = m->addr;
        memmap[nmap].size = m->len;
        memmap[nmap].type = m->type;
        nmap++;
        if (m->type == 1 && m->addr + m->len <= 0x100000000ull && m->addr + m->len > top)
            top = m->addr + m->len;
        off += m->size + 4;
    }
    top &= ~0xfffull;

    /* which module is vmlinux: the ELF one; the other is the initramfs */
    const struct mb_module *mods = (const struct mb_module *)mbi->mods_addr;
    int kv = !is_elf64(mods[0].start, mods[0].end);
    uint32_t k0 = mods[kv].start, k1 = mods[kv].end, i0 = mods[!kv].start, i1 = mods[!kv].end;
    if (!is_elf64(k0, k1)) fail("no module is an x86-64 ELF vmlinux");
    const struct elf64_ehdr *eh = (const struct elf64_ehdr *)k0;

    /* the PT_LOAD segments (copied: their table may be overwritten), and the PVH entry */
    struct elf64_phdr seg[MAX_SEGS];
    uint32_t nseg = 0;
    uint64_t d0 = ~0ull, d1 = 0, entry = 0;
    for (uint32_t i = 0; i < eh->phnum; i++) {
        const struct elf64_phdr *ph =
            (const struct elf64_phdr *)(k0 + (uint32_t)eh->phoff + i * (uint32_t)eh->phentsize);
        if (ph->type == 1) { /* PT_LOAD */
            if (nseg == MAX_SEGS) fail("vmlinux has too many segments");
            seg[nseg++] = *ph;
            if (ph->paddr < d0) d0 = ph->paddr;
            if (ph->paddr + ph->memsz > d1) d1 = ph->paddr + ph->memsz;
        } else if (ph->type == 4) { /* PT_NOTE */
            uint32_t p = k0 + (uint32_t)ph->offset, end = p + (uint32_t)ph->filesz;
            while (p + sizeof(struct elf_note) <= end) {
                const struct elf_note *nt = (const struct elf_note *)p;
                const char *name = (const char *)(p + sizeof *nt);
                uint32_t desc = p + sizeof *nt + ((nt->namesz + 3) & ~3u);
                if (nt->type == 18 && nt->namesz == 4 && name[0] == 'X' && name[1] == 'e' &&
                    name[2] == 'n')
                    entry = nt->descsz >= 8 ? *(const uint64_t *)desc : *(const uint32_t *)desc;
                p = desc + ((nt->descsz + 3) & ~3u);
            }
        }
    }
    if (!entry) fail("vmlinux has no PVH entry note (kernel built without CONFIG_PVH?)");
    if (d1 > top || d0 < 0x100000) fail("vmlinux does not fit in RAM: give Bochs more memory");

    /* the initramfs stays unless it is in the kernel's way: then it goes to the top of RAM */
    uint32_t isz = i1 - i0, ksz = k1 - k0;
    uint32_t idst = i0;
    if (overlaps(i0, i1, d0, d1)) idst = (uint32_t)((top - isz) & ~0xfffull);
    /* segments are copied last first; the vmlinux module must move first when that
     * would overwrite the source of a segment still to copy */
    uint32_t kdst = k0;
    if (!copy_in_place_ok(seg, nseg, k0) || overlaps(k0, k1, idst, idst + isz))
        kdst = ((idst != i0 ? idst : (uint32_t)top) - ksz) & ~0xfffu;
    if (overlaps(idst, idst + isz, d0, d1) || overlaps(kdst, kdst + ksz, idst, idst + isz) ||
        (kdst != k0 && overlaps(kdst, kdst + ksz, d0, d1)) || kdst < 0x100000 ||
        (idst != i0 && overlaps(idst, idst + isz, k0, k1))) {
        puts_serial("\nbochs_pvh: RAM top ");
        puthex((uint32_t)top);
        puts_serial(", vmlinux needs up to ");
        puthex((uint32_t)d1);
        fail("vmlinux and initramfs do not fit in RAM: give Bochs more memory");
    }
    if (idst != i0) memmove((void *)idst, (const void *)i0, isz);
    if (kdst != k0) memmove((void *)kdst, (const void *)k0, ksz);
    for (uint32_t i = nseg; i-- > 0;) {
        const struct elf64_phdr *ph = &seg[i];
        memmove((void *)(uint32_t)ph->paddr, (const void *)(kdst + (uint32_t)ph->offset),
                (uint32_t)ph->filesz);
        if (ph->memsz > ph->filesz) /* bss, and the zeros the runner trimmed */
            memset((void *)(uint32_t)(ph->paddr + ph->filesz), 0, (uint32_t)(ph->memsz - ph->filesz));
    }

    modlist[0].paddr = idst;
    modlist[0].size = isz;
    start_info.magic = 0x336ec578u;
    start_info.version = 1;
    start_info.nr_modules = 1;
    start_info.modlist_paddr = (uint32_t)modlist;
    start_info.cmdline_paddr = (uint32_t)cmdline;
    start_info.rsdp_paddr = find_rsdp();
    start_info.memmap_paddr = (uint32_t)memmap;
    start_info.memmap_entries = nmap;
    __asm__ volatile("cli; cld; jmp *%0" ::"r"((uint32_t)entry), "b"(&start_info) : "memory");
    for (;;) {}
}
