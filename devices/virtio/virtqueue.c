// SPDX-License-Identifier: MIT
/*
 * Split virtqueues, device side (virtio 1.2 section 2.7). The guest owns the
 * ring memory and may change it while we read it, so every value read from
 * it is copied once, checked, and only the copy is used afterwards.
 */
#include <string.h>

#include "kvmini/range.h"
#include "kvmini/virtqueue.h"

const char *virtq_error_str(enum virtq_error err)
{
	static const char *const msg[] = {
		[VIRTQ_OK] = "no error",
		[VIRTQ_ERR_SIZE] = "queue size is 0, too large or not a power of 2",
		[VIRTQ_ERR_RING_ADDR] = "ring is not in guest RAM",
		[VIRTQ_ERR_RING_ALIGN] = "ring is misaligned",
		[VIRTQ_ERR_RING_OVERLAP] =
			"used ring overlaps the descriptor table or available ring",
		[VIRTQ_ERR_AVAIL_IDX] = "available index ran more than a queue size ahead",
		[VIRTQ_ERR_HEAD] = "chain head beyond the descriptor table",
		[VIRTQ_ERR_NEXT] = "next index beyond the descriptor table",
		[VIRTQ_ERR_LOOP] = "descriptor chain loops or is too long",
		[VIRTQ_ERR_BUFFER] = "buffer is not in guest RAM",
		[VIRTQ_ERR_ORDER] = "device-readable buffer after a device-writable one",
		[VIRTQ_ERR_CHAIN_BYTES] = "chain is 4 GiB or longer",
		[VIRTQ_ERR_INDIRECT_FEATURE] = "indirect descriptor without VIRTIO_F_INDIRECT_DESC",
		[VIRTQ_ERR_INDIRECT_LEN] =
			"indirect table length is 0, not a multiple of 16, or too long",
		[VIRTQ_ERR_INDIRECT_ADDR] = "indirect table is not in guest RAM",
		[VIRTQ_ERR_INDIRECT_NESTED] = "indirect descriptor inside an indirect table",
		[VIRTQ_ERR_INDIRECT_NEXT] = "indirect descriptor with the NEXT flag",
	};
	if ((unsigned int)err >= sizeof(msg) / sizeof(msg[0]) || !msg[err])
		return "unknown virtqueue error";
	return msg[err];
}

void virtq_reset(struct virtq *vq)
{
	memset(vq, 0, sizeof(*vq));
}

/*
 * The checks a queue's rings must pass before the device uses them: size,
 * alignment, inside RAM, no overlap. On success store the host views in vq
 * (nothing else is changed). Shared by virtq_activate() and virtq_restore(),
 * so that a restored queue passes exactly the checks of a new one.
 */
static enum virtq_error virtq_map_rings(struct virtq *vq, const struct guest_mem *mem,
					uint16_t num_max)
{
	uint64_t num = vq->num;

	/* Section 2.7: the split ring's queue size is a power of 2. */
	if (num == 0 || num > num_max || (num & (num - 1)) != 0)
		return VIRTQ_ERR_SIZE;
	/* Section 2.7, "Virtqueue Part Alignment": 16, 2 and 4 bytes. */
	if (vq->desc_gpa % 16 || vq->avail_gpa % 2 || vq->used_gpa % 4)
		return VIRTQ_ERR_RING_ALIGN;

	struct virtq_desc *desc = guest_mem_ptr(mem, vq->desc_gpa, VIRTQ_DESC_SIZE(num));
	struct virtq_avail *avail = guest_mem_ptr(mem, vq->avail_gpa, VIRTQ_AVAIL_SIZE(num));
	struct virtq_used *used = guest_mem_ptr(mem, vq->used_gpa, VIRTQ_USED_SIZE(num));
	if (!desc || !avail || !used)
		return VIRTQ_ERR_RING_ADDR;
	/*
	 * The device writes the used ring. If it overlapped what the driver
	 * writes, our own stores would rewrite descriptors under our feet; no
	 * correct driver does that, so refuse it.
	 */
	if (range_overlap(vq->used_gpa, VIRTQ_USED_SIZE(num), vq->desc_gpa, VIRTQ_DESC_SIZE(num)) ||
	    range_overlap(vq->used_gpa, VIRTQ_USED_SIZE(num), vq->avail_gpa, VIRTQ_AVAIL_SIZE(num)))
		return VIRTQ_ERR_RING_OVERLAP;

	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->mem = mem;
	return VIRTQ_OK;
}

enum virtq_error virtq_activate(struct virtq *vq, const struct guest_mem *mem, uint16_t num_max)
{
	enum virtq_error err = virtq_map_rings(vq, mem, num_max);

	if (err)
		return err;
	vq->last_avail = 0;
	vq->used_idx = 0;
	__atomic_store_n(&vq->used->flags, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&vq->used->idx, 0, __ATOMIC_RELEASE);
	vq->ready = true;
	return VIRTQ_OK;
}

enum virtq_error virtq_restore(struct virtq *vq, const struct guest_mem *mem, uint16_t num_max,
			       uint16_t last_avail, uint16_t used_idx)
{
	struct virtq t = *vq;
	enum virtq_error err = virtq_map_rings(&t, mem, num_max);

	if (err)
		return err;
	/*
	 * A device returns every chain it took before it lets go of its lock,
	 * and never more than a queue's worth can be outstanding anyway.
	 */
	if ((uint16_t)(last_avail - used_idx) > t.num)
		return VIRTQ_ERR_AVAIL_IDX;
	t.last_avail = last_avail;
	t.used_idx = used_idx;
	t.ready = true;
	*vq = t;
	return VIRTQ_OK;
}

/* Copy one descriptor out of guest memory, so the guest cannot change it after the checks. */
static void desc_load(const struct virtq_desc *table, uint32_t i, struct virtq_desc *out)
{
	memcpy(out, &table[i], sizeof(*out));
}

/* Append the buffer of d to chain, checking address, length and direction. */
static enum virtq_error chain_add(struct virtq *vq, struct virtq_chain *chain,
				  const struct virtq_desc *d)
{
	bool writable = d->flags & VIRTQ_DESC_F_WRITE;
	void *host = guest_mem_ptr(vq->mem, d->addr, d->len);

	if (!host)
		return VIRTQ_ERR_BUFFER;
	/* Section 2.7.4.2: readable buffers come first, then writable ones. */
	if (!writable && chain->nwrite > 0)
		return VIRTQ_ERR_ORDER;
	if (chain->nread + chain->nwrite == VIRTQ_CHAIN_MAX)
		return VIRTQ_ERR_LOOP;
	/* Section 2.7.5: a chain is shorter than 2^32 bytes (kept < 2^32 so len fits a u32). */
	if (chain->read_len + chain->write_len + d->len > UINT32_MAX)
		return VIRTQ_ERR_CHAIN_BYTES;

	struct iovec *iov = &chain->bufs[chain->nread + chain->nwrite];
	iov->iov_base = host;
	iov->iov_len = d->len;
	if (writable) {
		chain->nwrite++;
		chain->write_len += d->len;
	} else {
		chain->nread++;
		chain->read_len += d->len;
	}
	return VIRTQ_OK;
}

/*
 * Walk the chain starting at head. The walk is bounded: at most the table's
 * size of descriptors per table (section 2.7.5.2: no chain is longer than the
 * queue, so a longer walk means a loop), and at most one indirect table.
 */
static enum virtq_error chain_walk(struct virtq *vq, uint16_t head, struct virtq_chain *chain)
{
	const struct virtq_desc *table = vq->desc;
	uint32_t table_size = vq->num;
	uint32_t i = head, seen = 0;
	bool in_indirect = false;
	struct virtq_desc d;
	enum virtq_error err;

	chain->head = head;
	chain->nread = chain->nwrite = 0;
	chain->read_len = chain->write_len = 0;
	for (;;) {
		if (++seen > table_size)
			return VIRTQ_ERR_LOOP;
		desc_load(table, i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* Section 2.7.5.3: one table per chain, no INDIRECT|NEXT. */
			if (!vq->indirect)
				return VIRTQ_ERR_INDIRECT_FEATURE;
			if (in_indirect)
				return VIRTQ_ERR_INDIRECT_NESTED;
			if (d.flags & VIRTQ_DESC_F_NEXT)
				return VIRTQ_ERR_INDIRECT_NEXT;
			if (d.len == 0 || d.len % sizeof(struct virtq_desc) ||
			    d.len / sizeof(struct virtq_desc) > VIRTQ_CHAIN_MAX)
				return VIRTQ_ERR_INDIRECT_LEN;
			table = guest_mem_ptr(vq->mem, d.addr, d.len);
			if (!table)
				return VIRTQ_ERR_INDIRECT_ADDR;
			table_size = d.len / sizeof(struct virtq_desc);
			in_indirect = true;
			i = 0;
			seen = 0;
			continue;
		}
		err = chain_add(vq, chain, &d);
		if (err)
			return err;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return VIRTQ_OK;
		if (d.next >= table_size)
			return VIRTQ_ERR_NEXT;
		i = d.next;
	}
}

int virtq_pop(struct virtq *vq, struct virtq_chain *chain, enum virtq_error *err)
{
	/*
	 * Acquire: the ring entries and descriptors the driver wrote before
	 * publishing avail->idx are visible once we see the new index
	 * (section 2.7.13, the driver's write barrier pairs with this).
	 */
	uint16_t avail_idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(avail_idx - vq->last_avail);

	if (pending == 0)
		return 0;
	if (pending > vq->num) {
		*err = VIRTQ_ERR_AVAIL_IDX;
		return -1;
	}
	uint16_t slot = vq->last_avail & (vq->num - 1);
	uint16_t head = __atomic_load_n(&vq->avail->ring[slot], __ATOMIC_RELAXED);
	if (head >= vq->num) {
		*err = VIRTQ_ERR_HEAD;
		return -1;
	}
	*err = chain_walk(vq, head, chain);
	if (*err)
		return -1;
	vq->last_avail++;
	return 1;
}

void virtq_push(struct virtq *vq, uint16_t head, uint32_t len)
{
	struct virtq_used_elem *elem = &vq->used->ring[vq->used_idx & (vq->num - 1)];

	__atomic_store_n(&elem->id, (uint32_t)head, __ATOMIC_RELAXED);
	__atomic_store_n(&elem->len, len, __ATOMIC_RELAXED);
	vq->used_idx++;
	/* Release: the element and the buffer contents are visible before the index. */
	__atomic_store_n(&vq->used->idx, vq->used_idx, __ATOMIC_RELEASE);
}

bool virtq_needs_interrupt(struct virtq *vq)
{
	/*
	 * Full barrier: our used->idx store must be visible before we read
	 * the driver's flags, or we could miss a driver that just re-enabled
	 * interrupts after checking the old used->idx (store->load ordering).
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint16_t flags = __atomic_load_n(&vq->avail->flags, __ATOMIC_RELAXED);
	return !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/*
 * Call fn on bytes [off, off+len) of one part of the chain, piece by piece.
 * Returns the number of bytes visited.
 */
static size_t chain_range(const struct virtq_chain *chain, bool writable, uint64_t off,
			  uint64_t len, void (*fn)(uint8_t *buf, size_t n, void *arg, size_t done),
			  void *arg)
{
	unsigned int first = writable ? chain->nread : 0;
	unsigned int count = writable ? chain->nwrite : chain->nread;
	size_t done = 0;

	for (unsigned int k = first; k < first + count && done < len; k++) {
		const struct iovec *iov = &chain->bufs[k];
		if (off >= iov->iov_len) {
			off -= iov->iov_len;
			continue;
		}
		size_t n = iov->iov_len - off;
		if (n > len - done)
			n = len - done;
		fn((uint8_t *)iov->iov_base + off, n, arg, done);
		done += n;
		off = 0;
	}
	return done;
}

static void copy_out(uint8_t *buf, size_t n, void *arg, size_t done)
{
	memcpy((uint8_t *)arg + done, buf, n);
}

static void copy_in(uint8_t *buf, size_t n, void *arg, size_t done)
{
	memcpy(buf, (const uint8_t *)arg + done, n);
}

static void fill_zero(uint8_t *buf, size_t n, void *arg, size_t done)
{
	(void)arg;
	(void)done;
	memset(buf, 0, n);
}

size_t virtq_chain_read(const struct virtq_chain *chain, uint64_t off, void *dst, size_t len)
{
	return chain_range(chain, false, off, len, copy_out, dst);
}

size_t virtq_chain_write(const struct virtq_chain *chain, uint64_t off, const void *src, size_t len)
{
	return chain_range(chain, true, off, len, copy_in, (void *)src);
}

size_t virtq_chain_zero(const struct virtq_chain *chain, uint64_t off, uint64_t len)
{
	return chain_range(chain, true, off, len, fill_zero, NULL);
}

unsigned int virtq_chain_slice(const struct virtq_chain *chain, bool writable, uint64_t off,
			       uint64_t len, struct iovec *iov, unsigned int max)
{
	unsigned int first = writable ? chain->nread : 0;
	unsigned int count = writable ? chain->nwrite : chain->nread;
	unsigned int n = 0;

	for (unsigned int k = first; k < first + count && len > 0 && n < max; k++) {
		const struct iovec *b = &chain->bufs[k];
		if (off >= b->iov_len) {
			off -= b->iov_len;
			continue;
		}
		size_t piece = b->iov_len - off;
		if (piece > len)
			piece = len;
		iov[n].iov_base = (uint8_t *)b->iov_base + off;
		iov[n].iov_len = piece;
		n++;
		len -= piece;
		off = 0;
	}
	return n;
}
