/* simtiny block counter: a Unicorn UC_HOOK_BLOCK callback in C.
 *
 * Python per-block callbacks top out near 10 M instructions per second; this hook keeps
 * the hot path in C: it looks the block up in an open-addressed table, adds the block's
 * instruction count and cycle cost to running totals, and stops the engine when the
 * instruction budget is spent. A block seen for the first time is priced once by a
 * callback into Python (instruction count and cycles from the cycle model).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t addr;     /* block start address; 0 marks an empty slot (address 0 is keyed as 1) */
    uint32_t size;     /* bytes, as Unicorn reports */
    uint32_t ninsn;    /* instructions in the block */
    uint64_t cycles;   /* cycles one execution of the block costs */
    uint64_t count;    /* executions so far */
    uint64_t target;   /* taken target of the conditional branch ending the block, 0 if none */
    uint64_t extra;    /* dynamic cycles charged to this block: the sum of the three below */
    uint32_t branch;   /* 0: none, 1: conditional backward, 2: conditional forward */
    uint32_t counter;  /* 2-bit predictor: 0-1 predict not taken, 2-3 predict taken */
    uint32_t it;       /* ST_IT_HAS: holds an IT instruction; ST_IT_OPEN: ends inside an IT block */
    uint32_t pad;
    uint64_t mispredicted; /* cycles of wrong branch predictions at its end */
    uint64_t fetch;        /* cycles of I-cache misses and wait states fetching it */
    uint64_t load;         /* cycles of D-cache misses and wait states of its loads */
    uint64_t cycles_shifted; /* one execution entered right after a folding branch (ST_LONE_*) */
    uint64_t pipeline;     /* static cycles charged to it so far: cycles or cycles_shifted per run */
} st_block;

#define ST_IT_HAS 1u
#define ST_IT_OPEN 2u
#define ST_SELF_LOOP 4u  /* the block is a branch to itself (`b .`): the core can only idle there */
#define ST_UNMASK 8u     /* the block may lower PRIMASK, FAULTMASK or BASEPRI (cpsie, msr) */
/* Branch folding (jnk0le, Cortex-M7 "branching"): a branch alone in its cycle dual issues with
 * one instruction at its destination if at least two 16-bit instructions ran before it. The
 * next block is then priced `cycles_shifted`: its first instruction issues in the branch's
 * cycle, which is already counted. ST_LONE_*: the block ends with a branch alone in its last
 * cycle, when entered fresh / entered shifted; ST_NARROW_*: its 16-bit instructions before that
 * branch and in all, at most 2 (the block before it counts as "executed prior"). */
#define ST_LONE_FRESH 16u
#define ST_LONE_SHIFTED 32u
#define ST_NARROW_BEFORE(it) (((it) >> 8) & 3u)
#define ST_NARROW_ALL(it) (((it) >> 10) & 3u)
/* The block's closing conditional branch reads flags set at least 3 cycles before it (or
 * before the block): a wrong prediction costs early_flags_penalty (jnk0le: 6, not 8). */
#define ST_EARLY_FLAGS 64u

/* stop_reason values */
#define ST_STOP_BUDGET 1
#define ST_STOP_PRICING 2
#define ST_STOP_MEMORY 3
#define ST_STOP_EVENT 4  /* the cycle count reached event_at: the host delivers an exception */
#define ST_STOP_IDLE 5   /* a `b .` block: the host skips time to the next event or reports a hang */

/* A set-associative cache with LRU replacement (ways kept most-recent first). */
typedef struct {
    uint64_t *tags;     /* sets * ways line numbers + 1; 0 = empty */
    uint32_t sets, ways;
    uint32_t enabled;   /* follows CCR.IC / CCR.DC, set by the host */
    uint32_t pow2;      /* sets is a power of two: the set index is a mask, not a division */
    uint64_t hits, misses;
    uint64_t mru;       /* tag of the line accessed last: it is way 0 of its set, a hit as it stands */
} st_cache;

/* How an address range behaves: through a cache (miss = line fill), or uncached with a
 * per-access cost, or zero-wait (TCM). */
typedef struct {
    uint64_t base, end;
    uint32_t cacheable;     /* 1: through the I/D cache */
    uint32_t line_fill;     /* cycles to fill a 32-byte line on a miss */
    uint32_t uncached;      /* cycles per access when the cache is off (or the region is not cached) */
    uint32_t pad;
} st_region;

#define ST_MAX_REGIONS 16

typedef int (*st_price_fn)(uint64_t addr, uint32_t size, uint32_t *ninsn, uint64_t *cycles,
                           uint64_t *cycles_shifted, uint32_t *branch, uint64_t *target, uint32_t *it);
typedef int (*st_stop_fn)(void *uc);
typedef int (*st_reg_write_fn)(void *uc, int regid, const void *value);

typedef struct {
    st_block *table;
    uint64_t capacity;    /* power of two */
    uint64_t used;
    uint64_t insns;       /* instructions started, whole blocks */
    uint64_t cycles;      /* cycles of the blocks started */
    uint64_t budget;      /* stop once insns reach this; 0 = none */
    int64_t last;         /* slot of the block entered last, -1 before any */
    int32_t stop_reason;  /* 0 running, else ST_STOP_* */
    uint32_t early_flags_penalty; /* cycles, when the flags were set early (ST_EARLY_FLAGS) */
    uint64_t mispredict_penalty; /* cycles; 0 disables branch prediction */
    uint64_t mispredicts;
    uint64_t memory_cycles;      /* cycles added by the memory system (caches, wait states) */
    st_cache icache, dcache;
    st_region regions[ST_MAX_REGIONS];
    uint32_t nregions;
    uint32_t memory_model;       /* 0: ideal memory */
    const st_region *last_region; /* the region the previous access fell in */
    st_price_fn price;
    st_stop_fn stop;
    st_reg_write_fn reg_write;   /* uc_reg_write, to repair the IT state (see st_it_repair) */
    int32_t epsr_reg;            /* UC_ARM_REG_EPSR */
    uint32_t epsr_thumb;         /* EPSR with T set and no IT state */
    uint64_t data_reads;         /* accesses the memory hooks saw */
    uint64_t data_writes;
    uint32_t it_repair;          /* the running block may access memory inside an IT block */
    uint32_t it_open;            /* the running block ends inside an IT block */
    uint64_t event_at;           /* stop before the first block starting at this cycle count; 0 = none */
    uint32_t unmask_watch;       /* a pending exception is masked: stop after a block that may unmask */
    uint32_t unaligned_penalty;  /* cycles an unaligned LDR/LDRH/LDRSH costs (the core's, 0: none) */
    uint64_t unaligned_reads;    /* reads the hook saw at an address not a multiple of their size */
    uint32_t fold;               /* the block entered last ended with a folding branch (ST_LONE_*) */
    uint32_t prev_narrow;        /* 16-bit instructions of the block entered last, at most 2 */
    uint32_t last_shifted;       /* the block entered last was entered shifted (priced cycles_shifted) */
    uint32_t pad4;
} st_counter;

static uint64_t st_key(uint64_t addr, uint32_t size) {
    return ((addr | 1u) << 20) ^ (uint64_t)size;
}

static uint64_t st_hash(uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return key;
}

/* Returns 1 on a hit; on a miss the line is installed. */
static int st_cache_access(st_cache *cache, uint64_t line) {
    uint64_t tag = line + 1;
    if (tag == cache->mru) {  /* the same line again (most accesses): nothing to reorder */
        cache->hits++;
        return 1;
    }
    cache->mru = tag;
    uint64_t set = cache->pow2 ? line & (cache->sets - 1) : line % cache->sets;
    uint64_t *way = &cache->tags[set * cache->ways];
    for (uint32_t i = 0; i < cache->ways; i++) {
        if (way[i] == tag) {
            for (uint32_t j = i; j > 0; j--) way[j] = way[j - 1];
            way[0] = tag;
            cache->hits++;
            return 1;
        }
    }
    for (uint32_t j = cache->ways - 1; j > 0; j--) way[j] = way[j - 1];
    way[0] = tag;
    cache->misses++;
    return 0;
}

static const st_region *st_region_of(st_counter *c, uint64_t address) {
    const st_region *hint = c->last_region;
    if (hint && address >= hint->base && address < hint->end) return hint;
    for (uint32_t i = 0; i < c->nregions; i++) {
        if (address >= c->regions[i].base && address < c->regions[i].end) {
            c->last_region = &c->regions[i];
            return c->last_region;
        }
    }
    return 0;
}

/* Cycles one access costs beyond the pipeline model. */
static uint64_t st_access_cost(st_counter *c, st_cache *cache, uint64_t address) {
    const st_region *r = st_region_of(c, address);
    if (!r) return 0;
    if (r->cacheable && cache->enabled) {
        return st_cache_access(cache, address >> 5) ? 0 : r->line_fill;
    }
    return r->uncached;
}

int st_counter_configure_caches(st_counter *c, uint32_t isets, uint32_t iways, uint32_t dsets, uint32_t dways) {
    c->icache.tags = calloc((size_t)isets * iways, sizeof(uint64_t));
    c->dcache.tags = calloc((size_t)dsets * dways, sizeof(uint64_t));
    if (!c->icache.tags || !c->dcache.tags) return -1;
    c->icache.sets = isets;
    c->icache.ways = iways;
    c->dcache.sets = dsets;
    c->dcache.ways = dways;
    c->icache.pow2 = (isets & (isets - 1)) == 0;
    c->dcache.pow2 = (dsets & (dsets - 1)) == 0;
    return 0;
}

/* Unicorn 2.1.4 calls cpu_restore_state() before every data-access hook, to give the hook the
 * PC of the access (accel/tcg/cputlb.c, load_helper/store_helper). That also restores the Thumb
 * IT state of the accessing instruction into env->condexec_bits. QEMU's Thumb translator keeps
 * the IT state in the translation, not in env: it zeroes env->condexec_bits when a block starts
 * and writes it back only when a block is left inside an IT block (arm_tr_tb_start,
 * gen_set_condexec). So after a hooked access inside an IT block, a block that ends after the
 * IT block leaves the restored, stale IT state behind, and the next block is translated as if
 * it were inside an IT block: its instructions become conditional, or a branch in it becomes
 * undefined (unicorn issue #2309). While a block runs, env->condexec_bits is always 0,
 * so the hooks put 0 back (EPSR: T set, IT clear) before they return. Only blocks that hold
 * an IT instruction, or start inside an IT block the previous block left open, need it. */
static void st_it_repair(st_counter *c, void *uc) {
    if (c->it_repair && c->reg_write) c->reg_write(uc, c->epsr_reg, &c->epsr_thumb);
}

int st_counter_set_it_repair(st_counter *c, st_reg_write_fn reg_write, int32_t epsr_reg, uint32_t epsr_thumb) {
    c->reg_write = reg_write;
    c->epsr_reg = epsr_reg;
    c->epsr_thumb = epsr_thumb;
    return 0;
}

/* UC_HOOK_MEM_READ: data reads through the D-cache. */
void st_read_hook(void *uc, int type, uint64_t address, int size, int64_t value, void *user_data) {
    (void)type;
    (void)value;
    st_counter *c = (st_counter *)user_data;
    st_it_repair(c, uc);
    c->data_reads++;
    uint64_t cost = st_access_cost(c, &c->dcache, address);
    if (size > 1 && ((address + (uint64_t)size - 1) >> 5) != (address >> 5)) {
        cost += st_access_cost(c, &c->dcache, address + (uint64_t)size - 1);
    }
    /* Only LDR, LDRH and LDRSH may be unaligned (every other load faults first, and 8-byte
     * accesses such as VLDR.64 need only word alignment): the core splits such a load whatever
     * the memory, so the cost is the core's, not the region's. */
    if (size > 1 && (address & (uint64_t)((size < 4 ? size : 4) - 1))) {
        c->unaligned_reads++;
        cost += c->unaligned_penalty;
    }
    if (cost) {
        c->memory_cycles += cost;
        c->cycles += cost;
        if (c->last >= 0) {
            c->table[c->last].extra += cost;
            c->table[c->last].load += cost;
        }
    }
}

/* UC_HOOK_MEM_WRITE: stores are counted, not priced (they drain through the write buffer). */
void st_write_hook(void *uc, int type, uint64_t address, int size, int64_t value, void *user_data) {
    (void)type;
    (void)address;
    (void)size;
    (void)value;
    st_counter *c = (st_counter *)user_data;
    st_it_repair(c, uc);
    c->data_writes++;
}

st_counter *st_counter_new(uint64_t capacity, st_price_fn price, st_stop_fn stop) {
    st_counter *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    uint64_t cap = 1024;
    while (cap < capacity) cap <<= 1;
    c->table = calloc(cap, sizeof(st_block));
    if (!c->table) { free(c); return NULL; }
    c->capacity = cap;
    c->last = -1;
    c->price = price;
    c->stop = stop;
    return c;
}

void st_counter_free(st_counter *c) {
    if (!c) return;
    free(c->icache.tags);
    free(c->dcache.tags);
    free(c->table);
    free(c);
}

static int64_t st_find(const st_counter *c, uint64_t key) {
    uint64_t mask = c->capacity - 1;
    uint64_t i = st_hash(key) & mask;
    for (;;) {
        const st_block *b = &c->table[i];
        if (b->addr == 0) return -(int64_t)i - 1;
        if (st_key(b->addr, b->size) == key) return (int64_t)i;
        i = (i + 1) & mask;
    }
}

static int st_grow(st_counter *c) {
    uint64_t cap = c->capacity * 2;
    st_block *old = c->table;
    uint64_t oldcap = c->capacity;
    st_block *fresh = calloc(cap, sizeof(st_block));
    if (!fresh) return -1;
    c->table = fresh;
    c->capacity = cap;
    int64_t last_addr_slot = c->last;
    uint64_t last_key = last_addr_slot >= 0 ? st_key(old[last_addr_slot].addr, old[last_addr_slot].size) : 0;
    c->last = -1;
    for (uint64_t i = 0; i < oldcap; i++) {
        if (old[i].addr == 0) continue;
        int64_t slot = st_find(c, st_key(old[i].addr, old[i].size));
        uint64_t s = (uint64_t)(-slot - 1);
        c->table[s] = old[i];
        if (last_addr_slot >= 0 && st_key(old[i].addr, old[i].size) == last_key) c->last = (int64_t)s;
    }
    free(old);
    return 0;
}

void st_block_hook(void *uc, uint64_t address, uint32_t size, void *user_data) {
    st_counter *c = (st_counter *)user_data;
    uint64_t stored = address ? address : 1;  /* 0 marks empty slots */
    uint64_t key = st_key(stored, size);
    int64_t slot = st_find(c, key);
    int entered_in_it = 0;  /* falling through from a block that ended inside an IT block */
    if (c->last >= 0 && c->it_open) {
        const st_block *prev = &c->table[c->last];
        entered_in_it = address == (prev->addr == 1 ? 0 : prev->addr) + prev->size;
    }
    /* An exception is due: stop before this block runs (it is not counted), unless the block
     * starts inside an IT block (the exception waits for the next block boundary). */
    if (c->event_at && c->cycles >= c->event_at && !entered_in_it && !c->stop_reason) {
        c->stop_reason = ST_STOP_EVENT;
        c->stop(uc);
        return;
    }
    if (c->last < 0) c->fold = c->prev_narrow = 0;  /* after an exception: a fresh start */
    if (c->last >= 0 && c->mispredict_penalty) {
        st_block *prev = &c->table[c->last];
        if (prev->branch) {
            int taken = address == prev->target;
            int predicted = prev->counter >= 2;
            if (taken != predicted) {
                uint64_t penalty = (prev->it & ST_EARLY_FLAGS) ? c->early_flags_penalty : c->mispredict_penalty;
                c->fold = 0;  /* the pipeline refills: nothing pairs with the branch */
                prev->extra += penalty;
                prev->mispredicted += penalty;
                c->cycles += penalty;
                c->mispredicts++;
            }
            if (taken && prev->counter < 3) prev->counter++;
            if (!taken && prev->counter > 0) prev->counter--;
        }
    }
    if (slot < 0) {
        uint32_t ninsn = 0, branch = 0, it = 0;
        uint64_t cycles = 0, cycles_shifted = 0, target = 0;
        if (c->price(address, size, &ninsn, &cycles, &cycles_shifted, &branch, &target, &it) != 0) {
            c->stop_reason = 2;
            c->stop(uc);
            return;
        }
        if ((c->used + 1) * 4 > c->capacity * 3) {
            if (st_grow(c) != 0) {
                c->stop_reason = 3;
                c->stop(uc);
                return;
            }
        }
        slot = st_find(c, key);
        st_block *b = &c->table[-slot - 1];
        b->addr = stored;
        b->size = size;
        b->ninsn = ninsn;
        b->cycles = cycles;
        b->cycles_shifted = cycles_shifted;
        b->pipeline = 0;
        b->count = 0;
        b->branch = branch;
        b->target = target;
        b->extra = 0;
        b->mispredicted = b->fetch = b->load = 0;
        b->counter = branch == 1 ? 2 : 1; /* backward: weakly taken; forward: weakly not taken */
        b->it = it;
        c->used++;
        slot = -slot - 1;
    }
    st_block *b = &c->table[slot];
    uint64_t price = c->fold ? b->cycles_shifted : b->cycles;
    c->last_shifted = c->fold;
    c->fold = (b->it & (c->fold ? ST_LONE_SHIFTED : ST_LONE_FRESH)) != 0 &&
              ST_NARROW_BEFORE(b->it) + c->prev_narrow >= 2;
    c->prev_narrow = ST_NARROW_ALL(b->it);
    b->count++;
    b->pipeline += price;
    c->insns += b->ninsn;
    c->cycles += price;
    c->last = slot;
    c->it_repair = (b->it & ST_IT_HAS) || entered_in_it;
    /* an IT block open on entry may still be open at the end of a block this short */
    c->it_open = (b->it & ST_IT_OPEN) || (entered_in_it && !(b->it & ST_IT_HAS) && b->ninsn < 3);
    if (c->memory_model) {
        uint64_t cost = 0;
        for (uint64_t line = address >> 5; line <= (address + size - 1) >> 5; line++) {
            cost += st_access_cost(c, &c->icache, line << 5);
        }
        if (cost) {
            c->memory_cycles += cost;
            c->cycles += cost;
            b->extra += cost;
            b->fetch += cost;
        }
    }
    if ((b->it & ST_UNMASK) && c->unmask_watch) {
        c->event_at = c->cycles;  /* look again at the next block boundary */
    }
    if ((b->it & ST_SELF_LOOP) && !c->stop_reason) {
        c->stop_reason = ST_STOP_IDLE;
        c->stop(uc);
        return;
    }
    if (c->budget && c->insns >= c->budget && !c->stop_reason) {
        c->stop_reason = ST_STOP_BUDGET;
        c->stop(uc);
    }
}
